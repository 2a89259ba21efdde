/* verify/verify.c --- the boot check of a converted disk (see verify.h) */
#include "verify/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/vhd.h"
#include "util/cleanup.h"
#include "verify/harness.h"

void
fg_verify_init (struct fg_verify *v)
{
  memset (v, 0, sizeof *v);
  v->timeout = FG_VERIFY_DEFAULT_TIMEOUT;
}

/* ---- the disk ----------------------------------------------------------- */

static int
has_boot_signature (const unsigned char *first, size_t len)
{
  /* An MBR (or GPT's protective MBR), or a file system on the whole
   * disk: ext2/3/4's magic 0xEF53 at 1024 + 56. */
  if (len >= 512 && first[510] == 0x55 && first[511] == 0xaa)
    return 1;
  return len >= 1082 && first[1080] == 0x53 && first[1081] == 0xef;
}

/* Whether the disk in the VHD at PATH starts like a system disk: 1, 0,
 * or -1 with E set when fg2ng cannot read it. */
static int
vhd_has_boot_signature (const char *path, struct fg_err *e)
{
  struct vhd_chain *c = NULL;
  unsigned char first[2048];
  uint64_t size;
  size_t n;
  int rc;

  if (vhd_chain_open (&c, path, NULL, 0, e) < 0)
    return fg_err_prefix (e, "'%s' is not a VHD fg2ng can read", path);
  size = vhd_chain_size (c);
  n = size < sizeof first ? (size_t) size : sizeof first;
  memset (first, 0, sizeof first);
  rc = vhd_chain_read (c, first, 0, n, e);
  vhd_chain_close (c);
  if (rc < 0)
    return fg_err_prefix (e, "while reading the first sectors of '%s'", path);
  return has_boot_signature (first, n);
}

/* PATH must be a readable VHD fg2ng can read, or a raw disk that starts
 * like one. */
static int
check_disk (const char *path, struct fg_err *e)
{
  unsigned char first[2048], tail[512];
  CLEANUP_CLOSE int fd = -1;
  struct stat st;
  ssize_t got;
  off_t size;
  int boots;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fg_err_errno (e, errno == ENOENT || errno == EACCES ? FG_E_INPUT
                         : FG_E_IO, errno, "cannot open '%s'", path);
  if (fstat (fd, &st) < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot stat '%s'", path);
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)) {
    fg_err_set (e, FG_E_INPUT, "'%s' is not a disk (not a file or a block "
                "device)", path);
    fg_err_hint (e, "give the output of 'fg2ng convert': a VHD or a raw disk");
    return -1;
  }
  size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot seek in '%s'", path);
  got = pread (fd, first, sizeof first, 0);
  if (got < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot read '%s'", path);
  if (size >= 512 && pread (fd, tail, sizeof tail, size - 512) != 512)
    return fg_err_errno (e, FG_E_IO, errno, "cannot read the end of '%s'",
                         path);
  if ((got >= 8 && vhd_is_footer_cookie (first)) ||
      (size >= 512 && vhd_is_footer_cookie (tail)))
    boots = vhd_has_boot_signature (path, e);
  else
    boots = has_boot_signature (first, (size_t) got);
  if (boots != 0)
    return boots < 0 ? -1 : 0;
  fg_err_set (e, FG_E_INPUT, "'%s' is not a system disk: no partition table "
              "and no ext2/3/4 file system at its start", path);
  fg_err_hint (e, "give the output of 'fg2ng convert': a VHD or a raw disk");
  return -1;
}

/* ---- before the first run ------------------------------------------------ */

int
fg_verify_prepare (struct fg_verify *v, struct fg_err *e)
{
  const char *tmp;
  ssize_t sl;

  if (v->ips.n || v->routes.n)
    snprintf (v->expect_from, sizeof v->expect_from, "the command line");
  if (v->record) {
    if (fg_verify_expect_record (v->record, &v->ips, &v->routes, &v->macs,
                                 e) < 0)
      return -1;
    snprintf (v->expect_from, sizeof v->expect_from, "%sthe server record "
              "'%s'", v->expect_from[0] ? "the command line and " : "",
              v->record);
  }
  if (check_disk (v->disk, e) < 0)
    return -1;
  sl = readlink ("/proc/self/exe", v->self, sizeof v->self - 1);
  if (sl < 0)
    return fg_err_errno (e, FG_E_INTERNAL, errno, "cannot find this program "
                         "(/proc/self/exe)");
  v->self[sl] = '\0';
  if (fg_verify_harness_find (v->self, v->harness, sizeof v->harness, e) < 0)
    return -1;
  tmp = getenv ("TMPDIR");
  snprintf (v->work, sizeof v->work, "%s/fg2ng-verify.XXXXXX",
            tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp (v->work) == NULL)
    return fg_err_errno (e, FG_E_IO, errno, "cannot make a work folder '%s'",
                         v->work);
  v->have_work = 1;
  return 0;
}

/* ---- one run of the harness ---------------------------------------------- */

/* argv for the harness booting DISK in DIR, or (ENTRY_ONLY) only
 * choosing pygrub's entry and copying the network files to NETCFG (may be
 * NULL) with the scratch copy kept for the boot.  Strings point into the
 * arguments, which must outlive the vector. */
static char **
harness_argv (const struct fg_verify *v, const char *disk, const char *dir,
              char *timeout, int entry_only, const char *netcfg)
{
  size_t n = 0, cap = 20 + 2 * (v->ips.n + v->routes.n + v->macs.n);
  char **argv = calloc (cap, sizeof *argv);
  const struct { const char *opt; const struct fg_verify_list *l; } lists[] = {
    { "--expect-ip", &v->ips }, { "--expect-route", &v->routes },
    { "--mac", &v->macs },
  };

  if (argv == NULL)
    return NULL;
  argv[n++] = (char *) v->harness;
  argv[n++] = (char *) disk;
  argv[n++] = (char *) "--workdir";
  argv[n++] = (char *) dir;
  argv[n++] = (char *) "--accel";
  argv[n++] = (char *) (v->accel ? v->accel : "auto");
  if (entry_only) {
    argv[n++] = (char *) "--print-entry";
    argv[n++] = (char *) "--keep";
    if (netcfg) {
      argv[n++] = (char *) "--dump-netcfg";
      argv[n++] = (char *) netcfg;
    }
    return argv;
  }
  argv[n++] = (char *) "--timeout";
  argv[n++] = timeout;
  argv[n++] = (char *) "--expect-root-by-uuid";
  for (size_t k = 0; k < sizeof lists / sizeof *lists; k++)
    for (size_t i = 0; i < lists[k].l->n; i++) {
      argv[n++] = (char *) lists[k].opt;
      argv[n++] = lists[k].l->v[i];
    }
  if (v->keep)
    argv[n++] = (char *) "--keep";
  return argv;
}

/* The harness's exit STATUS when it is neither 0 (pass) nor 1 (a check
 * failed): it ends the verify.  The harness said why on stderr (2, 3) or
 * not; E holds the same for a caller who prints errors as JSON. */
static int
harness_ended (struct fg_verify *v, int status, struct fg_err *e)
{
  v->harness_exit = status;
  if (status == 2)
    return fg_err_set (e, FG_E_INPUT, "'%s': the boot check refused the "
                       "disk (its reason is on stderr)", v->disk);
  return fg_err_set (e, FG_E_INTERNAL, "'%s': the boot check %s (exit %d; "
                     "its messages are on stderr)", v->disk, status > 128
                     ? "was interrupted" : "failed", status);
}

/* One run of the harness on DISK in the folder SUB of the work folder.
 * Returns its exit status (0 or 1, with the summary read and checked),
 * or -1 with E set; keep_work is set when the work folder holds what
 * explains the failure. */
static int
run_once (struct fg_verify *v, const char *disk, const char *sub,
          int entry_only, struct fg_err *e)
{
  char dir[PATH_MAX + 16], netcfg[PATH_MAX + 32], path[PATH_MAX + 48];
  char timeout[16];
  char **argv;
  int status;

  snprintf (dir, sizeof dir, "%s/%s", v->work, sub);
  snprintf (netcfg, sizeof netcfg, "%s/netcfg", dir);
  snprintf (timeout, sizeof timeout, "%u", v->timeout);
  argv = harness_argv (v, disk, dir, timeout, entry_only,
                       entry_only && v->expect_from[0] == '\0' ? netcfg
                       : NULL);
  if (argv == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "verify");
  if (mkdir (dir, 0700) < 0) {
    free (argv);
    return fg_err_errno (e, FG_E_IO, errno, "cannot make '%s'", dir);
  }
  snprintf (path, sizeof path, "%s/harness.log", dir);
  status = fg_verify_harness_run (argv, v->self, path, e);
  free (argv);
  if (status < 0)
    return -1;
  if (status != 0 && status != 1)
    return harness_ended (v, status, e);
  snprintf (path, sizeof path, "%s/summary.txt", dir);
  if (fg_verify_summary_read (path, &v->s, e) < 0 ||
      fg_verify_summary_agrees (&v->s, status, !entry_only, &v->ips,
                                &v->routes, path, e) < 0) {
    fg_err_hint (e, "the boot check's logs are kept in '%s'", v->work);
    v->keep_work = 1;
    return -1;
  }
  return status;
}

/* ---- the runs ------------------------------------------------------------ */

int
fg_verify_entry (struct fg_verify *v, struct fg_err *e)
{
  char path[PATH_MAX + 32];
  const char *family = NULL;
  int derive = v->expect_from[0] == '\0', status;

  if (!derive && !v->dry_run)
    return 0;
  status = run_once (v, v->disk, "entry", 1, e);
  if (status < 0)
    return -1;
  if (status == 0 && derive) {
    snprintf (path, sizeof path, "%s/entry/netcfg", v->work);
    if (fg_verify_expect_guest (path, &v->ips, &v->routes, &v->macs, &family,
                                e) < 0)
      return -1;
    snprintf (v->expect_from, sizeof v->expect_from, "the guest's own "
              "network files%s%s%s", family ? " (" : "", family ? family
              : "", family ? ")" : ", none found");
  }
  if (status == 1 || v->dry_run) {
    v->keep_work = v->keep || v->s.nfailed;
    return status;
  }
  /* the scratch copy the entry's run made is what boots */
  fg_verify_summary_release (&v->s);
  snprintf (v->boot_disk, sizeof v->boot_disk, "%s/entry/disk.raw", v->work);
  return 0;
}

int
fg_verify_boot (struct fg_verify *v, struct fg_err *e)
{
  int status = run_once (v, v->boot_disk[0] ? v->boot_disk : v->disk,
                         "boot", 0, e);

  if (status >= 0)
    v->keep_work = v->keep || v->s.nfailed;
  return status;
}

void
fg_verify_console_path (const struct fg_verify *v, char *out, size_t cap)
{
  snprintf (out, cap, "%s/%s/console.log", v->work, v->dry_run ||
            v->s.multi_user == -1 ? "entry" : "boot");
}

/* ---- the end ------------------------------------------------------------- */

static int
rm_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) ftw;
  return (flag == FTW_DP ? rmdir (path) : unlink (path)) < 0 ? -1 : 0;
}

void
fg_verify_finish (struct fg_verify *v)
{
  char path[PATH_MAX + 32];

  /* Kept after a failed check (the console and the guest's report say
   * why) or a summary fg2ng cannot read; removed otherwise: the harness
   * printed the detail of what stopped it. */
  if (v->have_work && !v->keep) {
    /* the entry's scratch copy (the boot made its own from it) */
    snprintf (path, sizeof path, "%s/entry/disk.raw", v->work);
    unlink (path);
    if (!v->keep_work &&
        nftw (v->work, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
      fg_warn ("could not remove the work folder '%s': %s", v->work,
               strerror (errno));
  }
  fg_verify_summary_release (&v->s);
  fg_verify_list_release (&v->ips);
  fg_verify_list_release (&v->routes);
  fg_verify_list_release (&v->macs);
  v->have_work = 0;
}
