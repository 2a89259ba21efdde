/* inspect/vmaccel.c --- see vmaccel.h */
#include "inspect/vmaccel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <guestfs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"

/* A working KVM prints the kernel's banner well under a second; the
 * broken ones seen never print it at all. */
#define PROBE_SECONDS 10

static int prepared;
static char used[256] = "kvm";

/* The newest /boot/vmlinuz-* the caller can read, into PATH. */
static int
host_kernel (char *path, size_t cap)
{
  DIR *d = opendir ("/boot");
  struct dirent *de;
  time_t best = 0;

  if (d == NULL)
    return -1;
  path[0] = '\0';
  while ((de = readdir (d)) != NULL) {
    char p[512];
    struct stat st;
    if (strncmp (de->d_name, "vmlinuz-", 8) != 0)
      continue;
    snprintf (p, sizeof p, "/boot/%s", de->d_name);
    if (stat (p, &st) == 0 && S_ISREG (st.st_mode) && st.st_mtime >= best &&
        access (p, R_OK) == 0) {
      best = st.st_mtime;
      snprintf (path, cap, "%s", p);
    }
  }
  closedir (d);
  return path[0] ? 0 : -1;
}

/* 1 when KVM ran the host kernel to its banner, 0 when not (WHY says
 * what happened), -1 when the probe could not be made at all. */
static int
probe_kvm (char *why, size_t cap)
{
  char kernel[512], buf[4096];
  int pfd[2], status = 0, ok = 0;
  size_t have = 0;
  pid_t pid;
  struct timespec t0, now;

  if (host_kernel (kernel, sizeof kernel) < 0 || pipe (pfd) < 0)
    return -1;
  pid = fork ();
  if (pid < 0) {
    close (pfd[0]);
    close (pfd[1]);
    return -1;
  }
  if (pid == 0) {
    int null = open ("/dev/null", O_RDWR);
    dup2 (null, 0);
    dup2 (pfd[1], 1);
    dup2 (pfd[1], 2);
    close (pfd[0]);
    execlp ("qemu-system-x86_64", "qemu-system-x86_64", "-accel", "kvm",
            "-cpu", "max", "-m", "256", "-nodefaults", "-display", "none",
            "-no-reboot", "-serial", "stdio", "-kernel", kernel, "-append",
            "console=ttyS0 earlyprintk=ttyS0 panic=-1", (char *) NULL);
    _exit (127);
  }
  close (pfd[1]);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct pollfd p = { pfd[0], POLLIN, 0 };
    ssize_t n;
    clock_gettime (CLOCK_MONOTONIC, &now);
    long left = PROBE_SECONDS * 1000L - ((now.tv_sec - t0.tv_sec) * 1000L +
                                         (now.tv_nsec - t0.tv_nsec) / 1000000);
    if (left <= 0) {
      snprintf (why, cap, "a guest under KVM printed nothing in %d s",
                PROBE_SECONDS);
      break;
    }
    if (poll (&p, 1, (int) left) <= 0)
      continue;
    n = read (pfd[0], buf + have, sizeof buf - 1 - have);
    if (n <= 0) {
      buf[have] = '\0';
      snprintf (why, cap, "qemu stopped under KVM: %.120s",
                have ? buf : "no output");
      break;
    }
    have += (size_t) n;
    buf[have] = '\0';
    if (strstr (buf, "Linux version")) {
      ok = 1;
      break;
    }
    if (have > sizeof buf / 2) {        /* keep the tail */
      memmove (buf, buf + have - 256, 256);
      have = 256;
    }
  }
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  close (pfd[0]);
  /* qemu absent is not a KVM problem: let libguestfs say what it says. */
  if (!ok && WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return -1;
  return ok;
}

/* The cached verdict for this boot of the host: 1 works, 0 broken, -1 none. */
static int
cache_read (const char *file, const char *boot, char *why, size_t cap)
{
  char line[512];
  FILE *f = fopen (file, "r");
  int v = -1;

  if (f == NULL)
    return -1;
  if (fgets (line, sizeof line, f) && strncmp (line, boot, strlen (boot)) == 0
      && line[strlen (boot)] == ' ') {
    v = line[strlen (boot) + 1] == '1';
    snprintf (why, cap, "%s", line + strlen (boot) + 3);
    why[strcspn (why, "\n")] = '\0';
  }
  fclose (f);
  return v;
}

static void
cache_write (const char *file, const char *boot, int ok, const char *why)
{
  char tmp[600];
  FILE *f;

  snprintf (tmp, sizeof tmp, "%s.%ld", file, (long) getpid ());
  f = fopen (tmp, "w");
  if (f == NULL)
    return;
  fprintf (f, "%s %d %s\n", boot, ok, why);
  if (fclose (f) == 0)
    rename (tmp, file);
  else
    unlink (tmp);
}

void
fg_vm_accel_prepare (void)
{
  char boot[64] = "", file[256], why[160] = "";
  const char *tmpdir = getenv ("TMPDIR");
  int ok;
  FILE *f;

  if (prepared)
    return;
  prepared = 1;
  /* Set and not empty: the operator's choice (an empty one sets
   * nothing, as libguestfs reads it). */
  if (getenv ("LIBGUESTFS_BACKEND_SETTINGS") &&
      *getenv ("LIBGUESTFS_BACKEND_SETTINGS")) {
    snprintf (used, sizeof used, "as LIBGUESTFS_BACKEND_SETTINGS says (%s)",
              getenv ("LIBGUESTFS_BACKEND_SETTINGS"));
    return;
  }
  if (access ("/dev/kvm", R_OK | W_OK) != 0) {
    snprintf (used, sizeof used, "tcg (no usable /dev/kvm)");
    return;
  }
  if ((f = fopen ("/proc/sys/kernel/random/boot_id", "r")) != NULL) {
    if (fgets (boot, sizeof boot, f) == NULL)
      boot[0] = '\0';
    boot[strcspn (boot, "\n")] = '\0';
    fclose (f);
  }
  snprintf (file, sizeof file, "%s/fg2ng-kvm-probe-%ld",
            tmpdir && *tmpdir ? tmpdir : "/var/tmp", (long) getuid ());
  ok = boot[0] ? cache_read (file, boot, why, sizeof why) : -1;
  if (ok < 0) {
    ok = probe_kvm (why, sizeof why);
    if (ok < 0)
      return;                   /* no probe possible: libguestfs decides */
    if (boot[0])
      cache_write (file, boot, ok, why);
  }
  if (ok)
    return;
  setenv ("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg", 1);
  snprintf (used, sizeof used, "tcg (KVM is present but cannot run a guest: "
            "%s)", why);
  fg_warn ("/dev/kvm is present but cannot run a guest (%s): using software "
           "emulation, which is slower (LIBGUESTFS_BACKEND_SETTINGS=force_tcg "
           "says so without this probe)", why);
}

const char *
fg_vm_accel_used (void)
{
  return prepared ? used : NULL;
}

struct guestfs_h *
fg_guestfs_create (void)
{
  guestfs_h *g;

  fg_vm_accel_prepare ();
  g = guestfs_create ();
  /* libguestfs's own handler prints eight lines per failure; fg2ng
   * reports each one once, naming the user's source
   * (fg_guestfs_error). */
  if (g)
    guestfs_set_error_handler (g, NULL, NULL);
  return g;
}

enum fg_guestfs_step
fg_guestfs_open (const char *disk, const char *format, int ro,
                 struct guestfs_h **g, char ***roots)
{
  *roots = NULL;
  if ((*g = fg_guestfs_create ()) == NULL)
    return FG_GUESTFS_CREATE;
  if (guestfs_add_drive_opts (*g, disk, GUESTFS_ADD_DRIVE_OPTS_READONLY, ro,
                              GUESTFS_ADD_DRIVE_OPTS_FORMAT, format, -1) < 0)
    return FG_GUESTFS_ADD;
  if (guestfs_launch (*g) < 0)
    return FG_GUESTFS_LAUNCH;
  *roots = guestfs_inspect_os (*g);
  return *roots && (*roots)[0] ? FG_GUESTFS_OK : FG_GUESTFS_NO_ROOT;
}

/* S with every DISK in it written as SHOWN, into OUT. */
static void
rename_disk (char *out, size_t cap, const char *s, const char *disk,
             const char *shown)
{
  size_t n = 0, dl = disk && shown ? strlen (disk) : 0;

  while (*s && n + 1 < cap) {
    if (dl && strncmp (s, disk, dl) == 0) {
      n += (size_t) snprintf (out + n, cap - n, "%s", shown);
      if (n >= cap)
        n = cap - 1;
      s += dl;
    } else
      out[n++] = *s++;
  }
  out[n] = '\0';
}

int
fg_guestfs_error (struct guestfs_h *g, struct fg_err *e, enum fg_errkind kind,
                  const char *disk, const char *shown, const char *doing)
{
  const char *m = g ? guestfs_last_error (g) : NULL;
  char first[1024], said[1200];
  size_t len, lines = 0;
  int launch = kind == FG_E_IO;

  /* libguestfs's first line says what failed; the rest (qemu's log, the
   * appliance's command line) is for libguestfs-test-tool. */
  len = m ? strcspn (m, "\n") : 0;
  snprintf (first, sizeof first, "%.*s", (int) len, m ? m : "");
  for (const char *p = m ? m + len : ""; *p; p++)
    lines += *p == '\n' && p[1] != '\0';
  rename_disk (said, sizeof said, first[0] ? first : "libguestfs failed",
               disk, shown);
  fg_err_set (e, kind, "'%s': %s: %s%s", shown ? shown : disk, doing, said,
              lines ? " (and more: LIBGUESTFS_DEBUG=1 shows it)" : "");
  if (launch && strncmp (used, "kvm", 3) == 0)
    fg_err_hint (e, "the appliance ran under KVM: if KVM does not work on "
                 "this host, LIBGUESTFS_BACKEND_SETTINGS=force_tcg makes "
                 "libguestfs use software emulation; 'libguestfs-test-tool' "
                 "tells what is wrong");
  else if (launch)
    fg_err_hint (e, "acceleration: %s; 'libguestfs-test-tool' tells why "
                 "the appliance does not start", used);
  else
    fg_err_hint (e, "run 'libguestfs-test-tool' to check that libguestfs "
                 "works on this machine");
  return -1;
}

void
fg_guestfs_free_strings (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static int
shorter_first (const void *a, const void *b)
{
  const char *const *x = a, *const *y = b;
  size_t n = strlen (*x), m = strlen (*y);
  return n < m ? -1 : n > m;
}

int
fg_guestfs_mount_root (struct guestfs_h *g, const char *root, int ro)
{
  char **mp = guestfs_inspect_get_mountpoints (g, root);
  const char **keys;
  size_t n = 0;
  int rc = 0;

  if (mp == NULL)
    return -1;
  while (mp[2 * n])
    n++;
  keys = calloc (n + 1, sizeof *keys);
  if (keys == NULL) {
    fg_guestfs_free_strings (mp);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    keys[i] = mp[2 * i];
  qsort (keys, n, sizeof *keys, shorter_first);
  for (size_t i = 0; i < n && rc == 0; i++)
    for (size_t k = 0; k < n; k++)
      if (mp[2 * k] == keys[i]) {
        int bad = ro ? guestfs_mount_ro (g, mp[2 * k + 1], mp[2 * k])
          : guestfs_mount (g, mp[2 * k + 1], mp[2 * k]);
        /* A data disk fstab names is not on this disk: skipped. */
        if (bad < 0 && strcmp (mp[2 * k], "/") == 0)
          rc = -1;
        break;
      }
  free (keys);
  fg_guestfs_free_strings (mp);
  return rc;
}
