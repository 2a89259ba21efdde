/* plan/plan.h --- the rules applied to an inspection: the dry run
 *
 * Every rule of ../shared/DESIGN.md ("Rules from the sources") gives a
 * verdict with a stable id, the measured figure, the limit and one
 * sentence a support engineer can read to a customer.  The plan is the
 * single object that `fg2ng check` and `convert --dry-run` print.
 */
#ifndef FG_PLAN_PLAN_H
#define FG_PLAN_PLAN_H

#include <jansson.h>

#include "util/err.h"
#include "inspect/inspect.h"

enum fg_level { FG_PASS = 0, FG_INFO, FG_WARN, FG_FAIL };

struct fg_verdict {
  const char *rule;           /* stable id: "linux.volume-250g" */
  enum fg_level level;
  char *figure;               /* what was measured, with its unit */
  char *limit;
  char *message;              /* one sentence for the customer */
};

struct fg_plan_opts {
  const char *flavor;         /* first-gen flavor: id, "512MB" or RAM MB */
  const char *target_class;   /* next-gen: "standard", "general", "io" */
  const char *mode;           /* "self-service", "assisted", "image" */
  const char *server_record;  /* --server-record FILE, or NULL */
  uint64_t headroom_pct;
  int fixups;                 /* also show the fixups' edits (dry run) */
  int initramfs;              /* convert --initramfs for the dry run's
                                 guest commands: enum fg_rebuild_when
                                 (fixups/fixups.h), 0 auto */
};

#define FG_MAX_VERDICTS 32

struct fg_plan {
  struct fg_verdict v[FG_MAX_VERDICTS];
  unsigned n;
  int eligible;
  uint64_t disk_bytes;        /* the next-gen system disk fg2ng would make */
  json_t *base_image;         /* the catalog entry matched, or NULL */
  json_t *flavors;            /* next-gen flavors the image fits */
  unsigned min_ram_mb;        /* the first-gen flavor's RAM, at least 512;
                                 0 when no flavor was given */
  double minutes_legacy;      /* 2 minutes per GB of VHD data (seed 003) */
  double minutes_fg2ng;
};

int fg_plan_make (const struct fg_inspection *in,
                  const struct fg_plan_opts *o, struct fg_plan *p,
                  struct fg_err *e);
void fg_plan_release (struct fg_plan *p);
json_t *fg_plan_json (const struct fg_plan *p);
const char *fg_level_name (enum fg_level l);

#endif
