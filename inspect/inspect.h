/* inspect/inspect.h --- what a first-gen image is, read without changing it
 *
 * A file-level archive (or an extracted root folder) is inspected in one
 * streaming pass with no VM: every member is counted (inodes, bytes of
 * blocks used), and only the few files that identify the system are
 * kept (util/files.h).  From them: the distribution and version, the
 * kernels, boot loader, init system, architecture, fstab, hostname, the
 * network model (net/netcfg.h) and signs of running databases.
 * The pass gives the file-level converter its sizes, too.
 */
#ifndef FG_INSPECT_INSPECT_H
#define FG_INSPECT_INSPECT_H

#include <jansson.h>
#include <stdint.h>

#include "util/err.h"
#include "util/progress.h"
#include "source/parts.h"
#include "util/files.h"
#include "inspect/initramfs.h"
#include "facts/markers.h"
#include "net/netcfg.h"

#define FG_MAX_KERNELS 16
#define FG_MAX_FSTAB 32
#define FG_MAX_DATABASES 8

struct fg_kernel {
  char *version;              /* "2.6.32-5-amd64", from boot/vmlinuz-* */
  char *name;                 /* Arch's "linux" of boot/vmlinuz-linux,
                                 whose version the image's header gave;
                                 NULL when the file names carry it */
  char *image_version;        /* internal: that header's version */
  int has_initrd;
  int has_modules;            /* lib/modules/<version> present */
  int xen_blkfront;           /* -1 unknown, 0 no, 1 found in modules */
  int xen_netfront;
  /* Where the Xen front-end drivers are, three places apart:
   *   built in   boot/config-VERSION says CONFIG_XEN_BLKDEV_FRONTEND=y
   *              (..._NETDEV_FRONTEND for the network): 1 =y, 2 =m,
   *              0 not set, -1 no config file in the image;
   *   modules    xen_blkfront/xen_netfront above (lib/modules/VERSION);
   *   initramfs  the listing of boot/initrd.img-VERSION (initrd-VERSION.img,
   *              initramfs-VERSION.img), read in passing, nothing
   *              extracted (inspect/initramfs.h). */
  int builtin_blkfront;
  int builtin_netfront;
  struct fg_initramfs initramfs;
  /* The summary the converter decides on: 1 both drivers are in the
   * initramfs or built into the kernel (the disk and network are found
   * at boot as things are); 0 one of them is missing from both, so the
   * initramfs must be rebuilt with it (or, with 0 from builtin_* and no
   * module, the kernel lacks it altogether); -1 unknown (the initramfs
   * could not be read and the kernel config does not settle it). */
  int initramfs_xen;
  /* Which kernels the guest boots on next-gen (pygrub reads the guest's
   * own boot configuration):
   *   no_image       no kernel image of this version in /boot: only its
   *                  modules (or an initramfs) were seen; 0 for a kernel
   *                  found by its image;
   *   host_supplied  lib/modules/VERSION without an image: the kernel a
   *                  first-gen (XenClassic) host booted the guest with,
   *                  never booted on next-gen;
   *   boots          an entry of the boot configuration names its image
   *                  (any of menu.lst, grub.conf, grub.cfg, extlinux.conf,
   *                  through symlinks); when the configuration names no
   *                  kernel, or names one fg2ng cannot place, every
   *                  kernel with an image. */
  int no_image;
  int host_supplied;
  int boots;
};

struct fg_fstab_entry {
  char *device, *mountpoint, *type, *options;
};

/* A database engine's data, found by a marker of profiles/databases.json
 * (facts/markers.h). */
struct fg_database {
  const char *engine;         /* "mysql", the marker table's id */
  const char *name;           /* "MySQL/MariaDB" */
  char *where;                /* "/var/lib/mysql/ibdata1"; for SQL Server
                                 its instances too: "instance MSSQLSERVER
                                 (MSSQL10_50.MSSQLSERVER); /Program ..." */
};

struct fg_inspection {
  const char *layout;         /* "file" or "block" */
  /* OS */
  const char *os_type;        /* "linux", "windows", "unknown" */
  char *distro;               /* "debian", "ubuntu", "centos", "rhel", ... */
  char *version;              /* "6.0.10", "5.8", "12.04" */
  char *major;                /* "6", "5", "12.04" */
  char *codename;
  char *product;              /* the release file's words */
  char *arch;                 /* "x86_64", "i386", or NULL */
  char *hostname;
  const char *bootloader;     /* "grub-legacy", "grub2", "extlinux", "none" */
  char *boot_config;          /* "boot/grub/menu.lst" */
  const char *init;           /* "systemd", "upstart", "sysvinit", "openrc" */
  struct fg_kernel kernels[FG_MAX_KERNELS];
  unsigned nkernels;
  /* A kernel image the boot configuration names and the image lacks
   * ("vmlinuz-2.6.32-21-server"), when no entry names one it has. */
  char *boot_missing;
  struct fg_fstab_entry fstab[FG_MAX_FSTAB];
  unsigned nfstab;
  struct fg_database databases[FG_MAX_DATABASES];
  unsigned ndatabases;
  const struct fg_markers *markers;   /* internal: what shows a database */
  /* Figures */
  uint64_t inodes;            /* members that become inodes (not hard links) */
  uint64_t entries;
  uint64_t bytes_used;        /* file system blocks the data needs */
  uint64_t bytes_apparent;
  uint64_t largest_file;
  uint64_t archive_bytes;     /* compressed parts */
  int windows_dc;             /* -1 unknown, 0 no, 1 a domain controller */
  uint64_t vhd_virtual;       /* block level: the disk's virtual size */
  uint64_t vhd_physical;      /* block level: bytes of the disk file */
  struct fg_net net;           /* the network model, from the kept files */
  /* The files kept, for the network parsers and the fixups. */
  struct fg_files files;
};

void fg_inspection_init (struct fg_inspection *in);
void fg_inspection_release (struct fg_inspection *in);

/* One streaming pass over the parts of a file-level image. */
int fg_inspect_parts (const struct fg_parts *parts, enum fg_progress_mode pm,
                      struct fg_inspection *in, struct fg_err *e);

/* An extracted root folder (FOLDER holds the root itself, or image/
 * with it), read as convert reads it: libarchive's disk reader,
 * symlinks not followed, hard links counted once.  Only read. */
int fg_inspect_dir (const char *folder, enum fg_progress_mode pm,
                    struct fg_inspection *in, struct fg_err *e);

/* A source as the user named it is inspected by its kind:
 * inspect/source.h, through the pipeline (pipeline/pipeline.h). */

/* A disk (raw or VHD file) inspected through libguestfs: one read-only
 * appliance, its inspect_os, and the same kept files read from the
 * guest's file systems.  Messages name SHOWN, the user's source (PATH
 * may be a scratch copy of it; NULL: PATH is the user's). */
int fg_inspect_disk (const char *path, const char *shown, const char *format,
                     struct fg_inspection *in, struct fg_err *e);

/* The guest at ROOT in a launched libguestfs handle (one that fixups
 * already opened, say): fills IN as fg_inspect_disk does, mounting the
 * guest's file systems read-only first if MOUNT. */
struct guestfs_h;
int fg_inspect_guest (struct guestfs_h *g, const char *root, int mount,
                      struct fg_inspection *in, struct fg_err *e);

/* Whether IN found something a first-gen server would hold: a
 * recognised distribution, or the signs of a root file system (fstab,
 * release files) in a tree, an operating system on a disk.  -1
 * with an input error naming SOURCE when not: check and convert refuse
 * alike (convert --no-check goes on, labelling the output "os unknown"). */
int fg_inspection_require_os (const struct fg_inspection *in,
                              const char *source, struct fg_err *e);

/* Internals shared by the two inspectors. */
extern const char *const fg_inspect_keep[];
/* Whether the inspection keeps PATH's contents: fg_inspect_keep, or a
 * file a network parser reads (fg_net_file_patterns).  The fixups' dry
 * run edits exactly these. */
int fg_inspect_keeps (const char *path);
void fg_inspect_identify (struct fg_inspection *in);
/* A path of the image (no leading '/') seen: kernels, their modules and
 * initramfs images, database markers are known by their names.
 * IS_LINK for a symlink.  IN->markers must be loaded. */
void fg_inspect_note_path (struct fg_inspection *in, const char *path,
                           int is_link);
/* Arch's boot/vmlinuz-linux names its kernel by package: the first
 * FG_IMAGE_HEAD bytes of such an image (HEAD) give its version. */
#define FG_IMAGE_HEAD 32768
void fg_inspect_note_image_head (struct fg_inspection *in, const char *path,
                                 const unsigned char *head, size_t len);
/* The kernel whose initramfs PATH is (boot/initrd.img-V, ...), or NULL. */
struct fg_kernel *fg_inspect_initrd_of (struct fg_inspection *in,
                                        const char *path);
/* Engine D's data found at WHERE (a path, or the registry's word). */
void fg_inspection_add_database (struct fg_inspection *in,
                                 const struct fg_db_engine *d,
                                 const char *where);

/* Whether `convert --initramfs auto` rebuilds the initramfs for kernel
 * K: the guest boots it, it has modules, and the Xen drivers are not
 * known to load at boot (missing from its initramfs, or unknown). */
int fg_kernel_initramfs_rebuild (const struct fg_kernel *k);

/* Where kernel K's Xen block (WHICH 'b') or network ('n') driver is
 * found at boot: "built-in", "initramfs", "modules-only" (a module the
 * initramfs lacks: rebuild it), "not-built" (the config leaves it out),
 * "missing" (no trace), "unknown" (the initramfs was not readable). */
const char *fg_kernel_driver_where (const struct fg_kernel *k, int which);

/* The report as JSON (new reference). */
json_t *fg_inspection_json (const struct fg_inspection *in);

#endif
