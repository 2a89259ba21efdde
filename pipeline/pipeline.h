/* pipeline/pipeline.h --- the one driver of a conversion's stages
 *
 *   probe the source (source/source.h) -> inspect (inspect/) -> the
 *   rules (plan/) -> the network plan (net/netplan.h) -> the fixups
 *   (fixups/) -> write the disk (convert/) -> package (the bundle)
 *
 * What each kind of source means to those stages (how it is inspected,
 * how it is written) is one row of a table in pipeline/kinds.c.  Commands
 * only parse their options into struct fg_pipeline_opts, call one entry
 * point, and print what comes back: `convert` (fg_pipeline_convert),
 * `check` and `convert --dry-run` (fg_pipeline_check), `inspect`
 * (fg_pipeline_inspect).
 */
#ifndef FG_PIPELINE_PIPELINE_H
#define FG_PIPELINE_PIPELINE_H

#include "util/err.h"
#include "util/progress.h"
#include "source/vhd.h"
#include "convert/blockconv.h"
#include "convert/bundle.h"
#include "convert/diskout.h"
#include "convert/fileconv.h"
#include "inspect/inspect.h"
#include "plan/plan.h"
#include "fixups/fixups.h"
#include "net/netplan.h"

#define FG_PIPELINE_MAX_PARENTS VHD_MAX_CHAIN_READ

/* What a conversion is asked to do (`fg2ng convert --help` says each
 * option's meaning). */
struct fg_pipeline_opts {
  const char *source;
  const char *output;
  int bundle;                     /* a Glance bundle, else a disk of... */
  enum fg_disk_format format;     /* ...this format */
  const char *parents[FG_PIPELINE_MAX_PARENTS];
  size_t nparents;
  int force;
  int chatty;                     /* say on stderr when an appliance runs */
  enum fg_progress_mode progress;
  struct fg_image_props props;    /* the bundle's; NULLs: from inspection */
  int min_disk_set, min_ram_set;
  struct fg_file_opts file;       /* file-level options */
  int no_fixups;
  const char *mode;               /* "image", "self-service", "assisted" */
  const char *server_record;
  const char *flavor, *target_class;
  int no_check;                   /* convert even if not eligible */
  int fs_type_given;              /* --fs-type: else the profile decides */
  enum fg_rebuild_when initramfs;
  int guest_fixups;               /* --fixups: block level too */
};

/* What a conversion did, whichever kind of source it took. */
struct fg_pipeline_report {
  int file_level;
  struct fg_block_result block;
  struct fg_file_result file;
  struct fg_fixups *fixups;       /* the edits made, or NULL */
  struct fg_plan plan;            /* the rules' verdicts */
  int planned;
  struct fg_net_plan net;         /* the addresses, when planned */
  int net_planned;
  int initramfs_rebuilt;
  char *initramfs_why;            /* why it was (or was not) rebuilt */
  char *initramfs_log;            /* what the guest's tool printed */
  int refused;                    /* not eligible: nothing written */
  /* What inspection found the source to be: the labels of the output
   * come from here, never from a default.  NULLs: not identified. */
  struct {
    char *os_type, *distro, *version, *arch;
  } os;
};

/* Convert O->source to O->output.  -1 with R->refused and E unset when
 * the rules refuse the source (nothing written: R->plan says why), -1
 * with E set on an error.  R is released by the caller either way. */
int fg_pipeline_convert (const struct fg_pipeline_opts *o,
                         struct fg_pipeline_report *r, struct fg_err *e);
void fg_pipeline_report_release (struct fg_pipeline_report *r);

/* The result of a conversion as `convert --json` prints it (new
 * reference; SECS: how long it took), and a refusal's: the source, its
 * plan and verdicts. */
json_t *fg_pipeline_result_json (const struct fg_pipeline_opts *o,
                                 const struct fg_pipeline_report *r,
                                 double secs);
json_t *fg_pipeline_refusal_json (const char *source,
                                  const struct fg_pipeline_report *r);

/* SOURCE as the user named it (parts, prefix, folder of parts, an
 * extracted root folder, a raw disk or VHD): probed, inspected.  A
 * differencing VHD chain gives FG_E_UNSUPPORTED.  IN is initialised
 * here; the caller releases it either way. */
int fg_pipeline_inspect (const char *source, enum fg_progress_mode pm,
                         struct fg_inspection *in, struct fg_err *e);

/* The dry run (`check`, `convert --dry-run`): inspected, an operating
 * system required, the rules applied and, with O->fixups, the edits the
 * conversion would make shown on the files inspection kept. */
struct fg_pipeline_check {
  struct fg_inspection in;
  struct fg_plan plan;
  struct fg_net_plan net;
  struct fg_fixups *fixups;       /* NULL: not asked, or no profile */
  /* A profile that refuses to convert (Windows) when the rules refuse
   * the source too: why no edits are shown (else ""). */
  char no_fixups[FG_ERR_MSG_MAX];
};

int fg_pipeline_check (const char *source, const struct fg_plan_opts *o,
                       enum fg_progress_mode pm, struct fg_pipeline_check *c,
                       struct fg_err *e);
void fg_pipeline_check_release (struct fg_pipeline_check *c);

#endif
