/* facts/profile.h --- one distro profile (profiles/<family>.json), typed
 *
 * A profile is read from its JSON once, checked whole, and kept as this
 * struct: every key it may have is a field here, and a key that is not
 * (a typo: "consol") is refused naming the file and the key, as a
 * missing or mistyped one is.  The readers (plan/, fixups/) use the
 * fields, never the JSON.  What only a higher layer can judge (whether
 * inspection keeps a file the profile names) is checked there
 * (fixups/fixups.c).  facts/profiles.h finds and loads the files.
 */
#ifndef FG_FACTS_PROFILE_H
#define FG_FACTS_PROFILE_H

#include <jansson.h>
#include <stddef.h>

#include "util/err.h"

/* A list of strings; V[N] is NULL, so a command list is an argv. */
struct fg_strv {
  char **v;
  size_t n;
};

struct fg_alias {
  char *name, *module;        /* "scsi_hostadapter", "xenblk" */
};

/* The keys of the "initramfs" object, as one release has them.  GIVEN
 * has bit (1 << FG_IR_x) for each key the JSON gives (a JSON null for
 * modules_file too: "none for this release"). */
enum { FG_IR_TOOL, FG_IR_MODULES_FILE, FG_IR_MODULES_FORMAT, FG_IR_NOTE,
       FG_IR_MODULES, FG_IR_ALIASES, FG_IR_REBUILD, FG_IR_NKEYS };

struct fg_ir_values {
  unsigned given;
  char *tool, *modules_file, *modules_format, *note;
  struct fg_strv modules, rebuild;
  struct fg_alias *aliases;
  size_t naliases;
};

/* "KEY_by_major": {"5": ...} entries, gathered per major version. */
struct fg_ir_major {
  char *major;
  struct fg_ir_values v;
};

struct fg_profile {
  char *file;                 /* "rhel.json", for messages and reports */
  char *family;               /* "redhat": the one distro -> family map */
  struct fg_strv distros;     /* "rhel", "centos", ... */
  int convert;                /* 0: detection only ("convert": false) */
  char *reason;               /* why not, when detection only */
  int tested;                 /* its conversion is tested (plan/plan.c) */
  char *flavor_mapping;       /* detection only: "closest" */
  struct {
    struct fg_strv configs;   /* boot loader files, relative to the root */
    struct fg_strv cmdline_add;
    char *console;            /* "hvc0" */
    char *root;               /* "uuid" or "label" */
  } boot;
  struct {
    char *root;               /* "uuid" */
    int drop_missing_devices;
  } fstab;
  struct fg_strv remove;      /* files removed (stale udev rules) */
  struct {
    char *file;               /* NULL: none */
    struct fg_strv add;
  } securetty;
  char *inittab_getty;        /* the line added to etc/inittab, or NULL */
  struct {
    char *file, *text;        /* an upstart job written whole, or NULLs */
  } getty_job;
  struct {
    struct fg_ir_values base;
    struct fg_ir_major *by_major;
    size_t nmajor;
  } initramfs;
  struct {
    char *renderer;           /* net/netrender.h names it */
    struct fg_strv files;
  } network;
  char *filesystem;           /* "ext4" or "ext3" */
  char *ext4_min_kernel;      /* older kernels get ext3; NULL: any */
};

/* The profile in J (FILE names it in messages) into P, checked whole;
 * -1 with E set (FG_E_INTERNAL) naming FILE and the key. */
int fg_profile_parse (json_t *j, const char *file, struct fg_profile *p,
                      struct fg_err *e);
void fg_profile_release (struct fg_profile *p);

/* The initramfs of release MAJOR (NULL: none known): each key's
 * "_by_major" entry for MAJOR wins over the key.  Pointers into P. */
struct fg_initramfs_facts {
  const char *tool;           /* "dracut", "mkinitrd", ... or NULL */
  const char *modules_file;   /* the configuration it reads, or NULL */
  const char *modules_format; /* NULL: "lines" */
  const char *note;
  const struct fg_strv *modules;
  const struct fg_strv *rebuild;
  const struct fg_alias *aliases;
  size_t naliases;
};
void fg_profile_initramfs (const struct fg_profile *p, const char *major,
                           struct fg_initramfs_facts *out);

#endif
