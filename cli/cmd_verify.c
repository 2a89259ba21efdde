/* cli/cmd_verify.c --- fg2ng verify: does the converted disk boot?
 *
 * Issue 7, item 6.  The boot itself is the harness fg2ng-boot-check (a
 * shell script: scratch copy, pygrub's choice of kernel, an in-guest
 * report over a second serial port, qemu); this command decides what to
 * expect (given on the command line, or from a server record through the
 * same network plan convert uses), finds and runs the harness in a work
 * folder, reads its summary back strictly and reports.  The disk under
 * test is only ever read: the harness boots a scratch copy.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "source/vhd.h"
#include "util/cleanup.h"
#include "cli/cmd.h"
#include "net/netplan.h"
#include "util/files.h"
#include "net/netcfg.h"

#define HARNESS "fg2ng-boot-check"
#define SUMMARY_FORMAT "fg2ng-boot-check-summary 1"
#define MAX_EXPECT 256
#define MAX_MACS 8
#define DEFAULT_TIMEOUT 300
#define CONSOLE_TAIL 40

static const char help[] =
"usage: fg2ng verify [--server-record FILE] [--expect-ip IFACE=ADDR/LEN]...\n"
"                    [--expect-route 'DEST via GW dev IFACE']... [--mac MAC]...\n"
"                    [--timeout S] [--accel auto|kvm|tcg] [--json] [--keep]\n"
"                    [--dry-run] DISK\n"
"\n"
"Prove that a converted disk works: boot it under qemu the way XenServer's\n"
"pygrub would (the kernel, initrd and arguments of the entry the guest's own\n"
"grub configuration makes the default), to multi-user, and check from inside\n"
"the guest that the root file system is the disk's, mounted by UUID, and\n"
"that each interface carries the addresses and routes expected.  DISK is a\n"
"VHD or a raw disk (the output of 'fg2ng convert').  It is never modified:\n"
"the check runs in a scratch copy in a work folder under $TMPDIR, removed\n"
"afterwards unless --keep is given or something failed.\n"
"\n"
"What is expected of the network (root by UUID is always checked), from\n"
"the options below or, with none of them, from the guest's own network\n"
"files on the disk (static addresses, gateways, routes, MACs pinned by\n"
"udev rules):\n"
"  --server-record FILE  the addresses the control plane knows (JSON, see\n"
"                   doc/server-record.schema.json), as convert preserves\n"
"                   them: public on eth0 with its default route, private\n"
"                   (ServiceNet) on eth1 with the routes to 10.176.0.0/12\n"
"                   and 10.208.0.0/12 via its gateway, shared IPs on eth0;\n"
"                   the record's MACs are given to the NICs\n"
"  --expect-ip IFACE=ADDR/LEN   an address the guest must carry (repeatable)\n"
"  --expect-route 'DEST [via GW] [dev IFACE]'  a route the guest must have,\n"
"                   as 'ip route' prints it (DEST 'default' or a prefix)\n"
"  --mac MAC        the NICs' MACs in order, eth0's first (repeatable; the\n"
"                   guest's persistent-net rules may pin names to them)\n"
"\n"
"Options:\n"
"  --timeout S      give up a boot after S seconds (default 300)\n"
"  --accel A        auto (default: KVM if /dev/kvm opens read-write, else\n"
"                   TCG software emulation, slower, with a notice), kvm, tcg\n"
"  --json           one JSON document on stdout: {disk, accel, entry:\n"
"                   {config, index, title, kernel, initrd, args}, expected:\n"
"                   {from, ip, route, mac}, multi_user_seconds, checks:\n"
"                   [{name, ok, detail}], ok}\n"
"  --keep           keep the work folder (scratch disk, logs, console)\n"
"  --dry-run        show pygrub's choice and what would be checked, and\n"
"                   stop there (no qemu needed)\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 every check passed; 1 a check failed (the disk does not\n"
"reach multi-user, pygrub's entry cannot boot, an address is missing: the\n"
"serial console's last lines are printed and the work folder kept); 2 a\n"
"usage or input error (not a disk, no boot configuration pygrub would\n"
"read: not a system disk); 3 verify cannot run here (no qemu, no KVM when\n"
"--accel kvm, the harness missing).\n"
"\n"
"The harness is found in $FG2NG_LIBEXEC, else beside the program\n"
"(PREFIX/libexec/fg2ng/" HARNESS ", or libexec/ in the source tree).\n";

/* ---- small helpers ------------------------------------------------------ */

struct strv {
  char **v;
  size_t n;
};

static int
strv_has (const struct strv *s, const char *x)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp (s->v[i], x) == 0)
      return 1;
  return 0;
}

/* Append a copy of X unless it is there already; -1 when memory runs out. */
static int
strv_add (struct strv *s, const char *x)
{
  char **v;

  if (strv_has (s, x))
    return 0;
  v = realloc (s->v, (s->n + 1) * sizeof *v);
  if (v == NULL)
    return -1;
  s->v = v;
  if ((v[s->n] = strdup (x)) == NULL)
    return -1;
  s->n++;
  return 0;
}

static void
strv_release (struct strv *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->v[i]);
  free (s->v);
  s->v = NULL;
  s->n = 0;
}

/* Text the guest wrote may hold anything: a JSON string gets valid UTF-8
 * only (other bytes become '?'), never NULL. */
static json_t *
json_text (const char *s)
{
  json_t *j;
  char *c;

  if (s == NULL)
    return json_null ();
  j = json_string (s);
  if (j)
    return j;
  c = strdup (s);
  if (c == NULL)
    return json_null ();
  for (unsigned char *p = (unsigned char *) c; *p; p++)
    if (*p >= 0x80 || (*p < 0x20 && *p != '\t'))
      *p = '?';
  j = json_string (c);
  free (c);
  return j ? j : json_null ();
}

/* ---- options ------------------------------------------------------------ */

struct verify_opts {
  const char *disk;
  const char *record;
  const char *accel;
  struct strv ips, routes, macs;
  char expect_from[PATH_MAX + 64]; /* where the expectations came from */
  unsigned timeout;
  int json, keep, dry_run;
};

static int
valid_ifname (const char *s, size_t len)
{
  if (len == 0 || len >= 16)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || strchr ("_.:@-", s[i])))
      return 0;
  return 1;
}

/* "ADDR/LEN", IPv4 or IPv6; canonical form into OUT. */
static int
canon_cidr (const char *s, char *out, size_t cap)
{
  char addr[INET6_ADDRSTRLEN + 1], *end;
  const char *slash = strrchr (s, '/');
  unsigned char bin[16];
  long len;
  int fam;

  if (slash == NULL || (size_t) (slash - s) >= sizeof addr || slash == s)
    return -1;
  memcpy (addr, s, (size_t) (slash - s));
  addr[slash - s] = '\0';
  fam = strchr (addr, ':') ? AF_INET6 : AF_INET;
  if (inet_pton (fam, addr, bin) != 1)
    return -1;
  errno = 0;
  len = strtol (slash + 1, &end, 10);
  if (errno || end == slash + 1 || *end || len < 0 ||
      len > (fam == AF_INET ? 32 : 128))
    return -1;
  if (inet_ntop (fam, bin, addr, sizeof addr) == NULL)
    return -1;
  return snprintf (out, cap, "%s/%ld", addr, len) < (int) cap ? 0 : -1;
}

/* IFACE=ADDR/LEN, canonicalised ("eth0=2001:db8::1/64"). */
static int
parse_expect_ip (const char *s, char *out, size_t cap)
{
  const char *eq = strchr (s, '=');
  char cidr[INET6_ADDRSTRLEN + 8];

  if (eq == NULL || !valid_ifname (s, (size_t) (eq - s)) ||
      canon_cidr (eq + 1, cidr, sizeof cidr) < 0)
    return -1;
  return snprintf (out, cap, "%.*s=%s", (int) (eq - s), s, cidr) < (int) cap
    ? 0 : -1;
}

static int
valid_addr (const char *s)
{
  unsigned char bin[16];
  return inet_pton (strchr (s, ':') ? AF_INET6 : AF_INET, s, bin) == 1;
}

/* "DEST [via GW] [dev IFACE]" with DEST "default" or a prefix, at least
 * one of via and dev; blanks normalised to one space as 'ip route'
 * prints them.  Addresses are kept as written (ip prints them
 * canonically; a non-canonical one would simply never match, so it is
 * refused). */
static int
parse_expect_route (const char *s, char *out, size_t cap)
{
  char buf[512], *words[8], *save = NULL, *w;
  char canon[INET6_ADDRSTRLEN + 8];
  size_t n = 0, len = 0;
  int seen_via = 0, seen_dev = 0;

  if (strlen (s) >= sizeof buf)
    return -1;
  strcpy (buf, s);
  for (w = strtok_r (buf, " \t", &save); w; w = strtok_r (NULL, " \t", &save)) {
    if (n == 8)
      return -1;
    words[n++] = w;
  }
  if (n < 3 || n % 2 == 0)
    return -1;
  if (strcmp (words[0], "default") != 0 &&
      (canon_cidr (words[0], canon, sizeof canon) < 0 ||
       strcmp (canon, words[0]) != 0))
    return -1;
  for (size_t i = 1; i < n; i += 2) {
    if (strcmp (words[i], "via") == 0 && !seen_via && !seen_dev &&
        valid_addr (words[i + 1]))
      seen_via = 1;
    else if (strcmp (words[i], "dev") == 0 && !seen_dev &&
             valid_ifname (words[i + 1], strlen (words[i + 1])))
      seen_dev = 1;
    else
      return -1;
  }
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    int k = snprintf (out + len, cap - len, "%s%s", i ? " " : "", words[i]);
    if (k < 0 || (size_t) k >= cap - len)
      return -1;
    len += (size_t) k;
  }
  return 0;
}

static int
parse_mac (const char *s, char *out, size_t cap)
{
  unsigned b[6];

  if (strlen (s) != 17)
    return -1;
  for (int i = 0; i < 17; i++)
    if (i % 3 == 2 ? s[i] != ':' : !isxdigit ((unsigned char) s[i]))
      return -1;
  if (sscanf (s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
              &b[4], &b[5]) != 6)
    return -1;
  if (b[0] & 1)
    return -1;                  /* multicast: no NIC has one */
  return snprintf (out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
                   b[2], b[3], b[4], b[5]) < (int) cap ? 0 : -1;
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

/* DISK must be a readable VHD fg2ng can read, or a raw disk that starts
 * like one: refused here, before a scratch copy of gigabytes is made. */
static int
check_disk (const char *path, struct fg_err *e)
{
  unsigned char first[2048], tail[512];
  CLEANUP_CLOSE int fd = -1;
  struct stat st;
  ssize_t got;
  off_t size;

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
      (size >= 512 && vhd_is_footer_cookie (tail))) {
    struct vhd_chain *c = NULL;
    unsigned char vfirst[2048];
    uint64_t vsize;
    int rc;
    if (vhd_chain_open (&c, path, NULL, 0, e) < 0)
      return fg_err_prefix (e, "'%s' is not a VHD fg2ng can read", path);
    vsize = vhd_chain_size (c);
    memset (vfirst, 0, sizeof vfirst);
    rc = vhd_chain_read (c, vfirst, 0, vsize < sizeof vfirst
                         ? (size_t) vsize : sizeof vfirst, e);
    vhd_chain_close (c);
    if (rc < 0)
      return fg_err_prefix (e, "while reading the first sectors of '%s'",
                            path);
    if (has_boot_signature (vfirst, vsize < sizeof vfirst ? (size_t) vsize
                            : sizeof vfirst))
      return 0;
  } else if (has_boot_signature (first, (size_t) got))
    return 0;
  fg_err_set (e, FG_E_INPUT, "'%s' is not a system disk: no partition table "
              "and no ext2/3/4 file system at its start", path);
  fg_err_hint (e, "give the output of 'fg2ng convert': a VHD or a raw disk");
  return -1;
}

/* ---- expectations ----------------------------------------------------- */

/* What a guest with the network model N must carry: each static address
 * on its interface, each default gateway and static route as 'ip route'
 * prints it; and, when NIC names are pinned to MACs, those MACs on the
 * NICs in interface order (eth0 first), a locally administered one for a
 * NIC with none before a pinned one.  MACS is left alone when given. */
static int
expect_from_net (const struct fg_net *n, struct strv *ips,
                 struct strv *routes, struct strv *macs)
{
  char buf[600];
  size_t i, last = 0;
  int oom = 0;

  for (i = 0; i < n->nifaces; i++) {
    const struct fg_net_iface *f = &n->ifaces[i];
    for (size_t k = 0; k < f->nipv4; k++) {
      snprintf (buf, sizeof buf, "%s=%s", f->name, f->ipv4[k]);
      oom |= strv_add (ips, buf);
    }
    for (size_t k = 0; k < f->nipv6; k++) {
      snprintf (buf, sizeof buf, "%s=%s", f->name, f->ipv6[k]);
      oom |= strv_add (ips, buf);
    }
    if (f->gateway) {
      snprintf (buf, sizeof buf, "default via %s dev %s", f->gateway, f->name);
      oom |= strv_add (routes, buf);
    }
    if (f->gateway6) {
      snprintf (buf, sizeof buf, "default via %s dev %s", f->gateway6,
                f->name);
      oom |= strv_add (routes, buf);
    }
    for (size_t k = 0; k < f->nroutes; k++) {
      const struct fg_net_route *r = &f->routes[k];
      snprintf (buf, sizeof buf, "%s%s%s dev %s", r->to, r->via ? " via " : "",
                r->via ? r->via : "", r->dev ? r->dev : f->name);
      oom |= strv_add (routes, buf);
    }
    if (f->mac)
      last = i + 1;
  }
  if (macs->n == 0)
    for (i = 0; i < last && i < MAX_MACS; i++) {
      const char *m = n->ifaces[i].mac;
      snprintf (buf, sizeof buf, "52:54:00:12:34:%02zx", 0x56 + i);
      oom |= strv_add (macs, m ? m : buf);
    }
  return oom ? -1 : 0;
}

/* The addresses, routes and MACs convert preserves for the record at
 * PATH: the same network plan (self-service), from the record alone. */
static int
expect_from_record (const char *path, struct strv *ips, struct strv *routes,
                    struct strv *macs, struct fg_err *e)
{
  struct fg_net empty;
  struct fg_net_plan plan;
  size_t i;
  json_t *w;
  int rc;

  memset (&empty, 0, sizeof empty);
  if (fg_net_plan_from ("self-service", path, &empty, &plan, e) < 0) {
    fg_net_plan_release (&plan);
    return -1;
  }
  json_array_foreach (plan.warnings, i, w)
    fg_warn ("server record '%s': %s", path, json_string_value (w));
  rc = expect_from_net (&plan.net, ips, routes, macs);
  fg_net_plan_release (&plan);
  return rc < 0 ? fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "expectations") : 0;
}

/* The guest's own network files, as the harness copied them into DIR
 * (DIR/etc/...), read into FILES as inspection keeps them. */
static struct {
  size_t root_len;
  struct fg_files *files;
  struct fg_err *e;
} walk;

static int
keep_file (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  const char *rel = path + walk.root_len;
  (void) ftw;

  while (*rel == '/')
    rel++;
  if (flag == FTW_SL) {
    char target[PATH_MAX];
    ssize_t n = readlink (path, target, sizeof target - 1);
    if (n < 0)
      return 0;
    target[n] = '\0';
    return fg_files_add_symlink (walk.files, rel, target, walk.e) < 0 ? -1 : 0;
  }
  if (flag == FTW_F && S_ISREG (sb->st_mode) &&
      sb->st_size <= FG_FILES_MAX_SIZE) {
    CLEANUP_FREE char *data = malloc ((size_t) sb->st_size + 1);
    CLEANUP_FCLOSE FILE *f = fopen (path, "re");
    size_t got;
    if (data == NULL || f == NULL)
      return fg_err_errno (walk.e, FG_E_IO, errno, "cannot read '%s'", path);
    got = fread (data, 1, (size_t) sb->st_size, f);
    return fg_files_add (walk.files, rel, data, got, walk.e) < 0 ? -1 : 0;
  }
  return 0;
}

static int
expect_from_guest (const char *dir, struct strv *ips, struct strv *routes,
                   struct strv *macs, const char **family, struct fg_err *e)
{
  struct fg_files files;
  struct fg_net net;
  int rc;

  fg_files_init (&files);
  memset (&net, 0, sizeof net);
  walk.root_len = strlen (dir);
  walk.files = &files;
  walk.e = e;
  rc = nftw (dir, keep_file, 16, FTW_PHYS);
  if (rc == 0)
    rc = fg_net_parse (&files, NULL, &net, e);
  else if (!fg_err_is_set (e))
    fg_err_errno (e, FG_E_IO, errno, "cannot read the copied network files "
                  "in '%s'", dir);
  if (rc == 0) {
    /* a DHCP interface carries whatever qemu's DHCP gives: no claim */
    *family = net.family;
    if (expect_from_net (&net, ips, routes, macs) < 0)
      rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "expectations");
  }
  fg_net_release (&net);
  fg_files_release (&files);
  return rc < 0 ? -1 : 0;
}

/* ---- finding and running the harness ------------------------------------ */

static int
harness_at (const char *dir, const char *rel, char *out, size_t cap)
{
  if (snprintf (out, cap, "%s%s/" HARNESS, dir, rel) >= (int) cap)
    return 0;
  return access (out, X_OK) == 0;
}

/* FG2NG_LIBEXEC, else PREFIX/libexec/fg2ng beside PREFIX/bin/fg2ng, else
 * the source tree's libexec/ above the build folder (BUILD/fg2ng, or
 * build/asan/fg2ng for the sanitizer build).  SELF is this program. */
static int
find_harness (const char *self, char *out, size_t cap, struct fg_err *e)
{
  const char *env = getenv ("FG2NG_LIBEXEC");
  char dir[PATH_MAX], *slash;

  if (env && *env) {
    if (harness_at (env, "", out, cap))
      return 0;
    fg_err_set (e, FG_E_UNSUPPORTED, "FG2NG_LIBEXEC is '%s' and it holds no "
                "executable '" HARNESS "'", env);
    fg_err_hint (e, "unset FG2NG_LIBEXEC, or point it at the folder of "
                 HARNESS);
    return -1;
  }
  snprintf (dir, sizeof dir, "%s", self);
  slash = strrchr (dir, '/');
  if (slash)
    *slash = '\0';
  if (harness_at (dir, "/../libexec/fg2ng", out, cap) ||
      harness_at (dir, "/../libexec", out, cap) ||
      harness_at (dir, "/../../libexec", out, cap))
    return 0;
  fg_err_set (e, FG_E_UNSUPPORTED, "cannot find '" HARNESS "' (looked in "
              "%s/../libexec/fg2ng, ../libexec and ../../libexec)", dir);
  fg_err_hint (e, "reinstall fg2ng ('make install' puts it in "
               "PREFIX/libexec/fg2ng/), or set FG2NG_LIBEXEC to its folder");
  return -1;
}

/* The running harness, for the SIGTERM/SIGHUP relay. */
static volatile pid_t harness_pid;

static void
relay_signal (int sig)
{
  if (harness_pid > 0)
    kill (harness_pid, sig);
}

/* Run ARGV with stdout into LOG, stderr passed through; the environment
 * tells the harness which fg2ng to use and how to name itself.  Returns
 * the exit status, 128+N for a signal, -1 when it could not run.  ^C
 * reaches both processes (one process group) and is ignored here while
 * the harness stops qemu and exits; a SIGTERM or SIGHUP sent to fg2ng
 * alone (timeout(1), a job scheduler) is passed on to it, so that no qemu
 * outlives us. */
static int
run_harness (char *const *argv, const char *self, const char *log,
             struct fg_err *e)
{
  struct sigaction ign, relay, old_int, old_quit, old_term, old_hup;
  int fd, status = -1, fork_errno, wait_errno = 0;
  pid_t pid;

  fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot create '%s'", log);
  memset (&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset (&ign.sa_mask);
  relay = ign;
  relay.sa_handler = relay_signal;
  sigaction (SIGINT, &ign, &old_int);
  sigaction (SIGQUIT, &ign, &old_quit);
  sigaction (SIGTERM, &relay, &old_term);
  sigaction (SIGHUP, &relay, &old_hup);
  pid = fork ();
  fork_errno = errno;
  if (pid == 0) {
    sigaction (SIGINT, &old_int, NULL);
    sigaction (SIGQUIT, &old_quit, NULL);
    signal (SIGTERM, SIG_DFL);
    signal (SIGHUP, SIG_DFL);
    if (dup2 (fd, STDOUT_FILENO) < 0)
      _exit (127);
    setenv ("FG2NG", self, 1);
    setenv ("FG2NG_BOOT_CHECK_PROG", "fg2ng verify", 1);
    execv (argv[0], argv);
    fprintf (stderr, "fg2ng verify: error: cannot run '%s': %s\n", argv[0],
             strerror (errno));
    _exit (127);
  }
  close (fd);
  harness_pid = pid;
  while (pid > 0 && waitpid (pid, &status, 0) < 0)
    if (errno != EINTR) {
      wait_errno = errno;
      status = -1;
      break;
    }
  harness_pid = 0;
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGQUIT, &old_quit, NULL);
  sigaction (SIGTERM, &old_term, NULL);
  sigaction (SIGHUP, &old_hup, NULL);
  if (pid < 0)
    return fg_err_errno (e, FG_E_IO, fork_errno, "cannot start '%s'",
                         argv[0]);
  if (status == -1)
    return fg_err_errno (e, FG_E_INTERNAL, wait_errno, "waiting for '%s'",
                         argv[0]);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

/* ---- the harness's summary ---------------------------------------------- */

struct check {
  char *name;
  int ok;
  char *detail;
};

struct summary {
  char *config, *title, *kernel, *initrd, *args, *accel, *root_arg;
  long entry;                   /* -1 if the entry was never chosen */
  int multi_user;               /* 1 reached, 0 not, -1 not told */
  double multi_user_seconds, qemu_seconds;
  enum { RESULT_NONE, RESULT_PASS, RESULT_FAIL, RESULT_ERROR } result;
  struct check *checks;
  size_t nchecks, nfailed;
  struct strv guest;            /* what the guest said, for a failure */
};

static void
summary_release (struct summary *s)
{
  free (s->config);
  free (s->title);
  free (s->kernel);
  free (s->initrd);
  free (s->args);
  free (s->accel);
  free (s->root_arg);
  for (size_t i = 0; i < s->nchecks; i++) {
    free (s->checks[i].name);
    free (s->checks[i].detail);
  }
  free (s->checks);
  strv_release (&s->guest);
  memset (s, 0, sizeof *s);
}

static int
parse_seconds (const char *s, double *out)
{
  char *end;

  errno = 0;
  *out = strtod (s, &end);
  return errno || end == s || *out < 0 || (*end && *end != ' ') ? -1 : 0;
}

/* Facts the report shows only on a failure, and facts it has no use for
 * but which are the harness's to write (tests/e2e/README.md lists them). */
static const char *const guest_keys[] = { "state", "failed_units",
  "interfaces", "addresses", "journal", NULL };
static const char *const known_keys[] = { "disk", "kernel_file",
  "initrd_file", "fs_uuid", "bus", "macs", "extra_args", "guest_cmdline",
  "root_source", "root_uuid", "fstab_root", "route", NULL };

static int
in_list (const char *const *l, const char *k)
{
  for (; *l; l++)
    if (strcmp (*l, k) == 0)
      return 1;
  return 0;
}

static int
set_once (char **field, const char *v)
{
  if (*field)
    return -1;
  *field = strdup (v);
  return *field ? 0 : -1;
}

/* One line KEY VALUE of the summary; -1 for a line this version does not
 * know or cannot read (WHY says what). */
static int
summary_line (struct summary *s, const char *key, const char *v,
              const char **why)
{
  *why = "a line this fg2ng does not know";
  if (strcmp (key, "check") == 0) {
    const char *colon = strstr (v, ": ");
    struct check *c;
    int ok;
    if (strncmp (v, "PASS ", 5) == 0)
      ok = 1;
    else if (strncmp (v, "FAIL ", 5) == 0)
      ok = 0;
    else
      return (*why = "a check neither PASS nor FAIL"), -1;
    if (colon == NULL || colon == v + 5)
      return (*why = "a check without 'NAME: DETAIL'"), -1;
    c = realloc (s->checks, (s->nchecks + 1) * sizeof *c);
    if (c == NULL)
      return (*why = "out of memory"), -1;
    s->checks = c;
    c = &s->checks[s->nchecks];
    c->ok = ok;
    c->name = strndup (v + 5, (size_t) (colon - v - 5));
    c->detail = strdup (colon + 2);
    s->nchecks++;
    if (c->name == NULL || c->detail == NULL)
      return (*why = "out of memory"), -1;
    s->nfailed += !ok;
    return 0;
  }
  if (strcmp (key, "entry") == 0) {
    char *end;
    if (s->entry >= 0)
      return (*why = "a second entry line"), -1;
    s->entry = strtol (v, &end, 10);
    if (end == v || s->entry < 0 || (*end && *end != ' '))
      return (*why = "an entry line without its index"), -1;
    return set_once (&s->title, *end ? end + 1 : "");
  }
  if (strcmp (key, "multi_user") == 0) {
    if (s->multi_user != -1)
      return (*why = "a second multi_user line"), -1;
    if (strcmp (v, "no") == 0)
      s->multi_user = 0;
    else if (strncmp (v, "yes ", 4) == 0 &&
             parse_seconds (v + 4, &s->multi_user_seconds) == 0 &&
             (strstr (v + 4, " console") || strstr (v + 4, " report")))
      s->multi_user = 1;
    else
      return (*why = "multi_user neither 'no' nor 'yes SECONDS FROM'"), -1;
    return 0;
  }
  if (strcmp (key, "qemu_seconds") == 0)
    return parse_seconds (v, &s->qemu_seconds) < 0
      ? ((*why = "qemu_seconds is not a number"), -1) : 0;
  if (strcmp (key, "result") == 0) {
    if (s->result != RESULT_NONE)
      return (*why = "a second result line"), -1;
    if (strcmp (v, "pass") == 0)
      s->result = RESULT_PASS;
    else if (strcmp (v, "fail") == 0)
      s->result = RESULT_FAIL;
    else if (strncmp (v, "error ", 6) == 0)
      s->result = RESULT_ERROR;
    else
      return (*why = "a result neither pass, fail nor error"), -1;
    return 0;
  }
  if (strcmp (key, "config") == 0)
    return set_once (&s->config, v) < 0 ? ((*why = "a second config"), -1) : 0;
  if (strcmp (key, "kernel") == 0)
    return set_once (&s->kernel, v) < 0 ? ((*why = "a second kernel"), -1) : 0;
  if (strcmp (key, "initrd") == 0)
    return set_once (&s->initrd, v) < 0 ? ((*why = "a second initrd"), -1) : 0;
  if (strcmp (key, "args") == 0)
    return set_once (&s->args, v) < 0 ? ((*why = "a second args"), -1) : 0;
  if (strcmp (key, "accel") == 0) {
    /* "tcg WHY": the choice, then what made it */
    size_t w = strcspn (v, " ");
    if (s->accel || !((w == 3 && strncmp (v, "kvm", 3) == 0) ||
                      (w == 3 && strncmp (v, "tcg", 3) == 0)))
      return (*why = "a second accel, or neither kvm nor tcg"), -1;
    s->accel = strndup (v, w);
    return s->accel ? 0 : ((*why = "out of memory"), -1);
  }
  if (strcmp (key, "root_arg") == 0)
    return set_once (&s->root_arg, v) < 0
      ? ((*why = "a second root_arg"), -1) : 0;
  if (in_list (guest_keys, key)) {
    char line[1024];
    snprintf (line, sizeof line, "%s %s", key, v);
    return strv_add (&s->guest, line) < 0 ? ((*why = "out of memory"), -1) : 0;
  }
  return in_list (known_keys, key) ? 0 : -1;
}

static int
summary_read (const char *path, struct summary *s, struct fg_err *e)
{
  CLEANUP_FCLOSE FILE *f = NULL;
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned no = 0;

  memset (s, 0, sizeof *s);
  s->entry = -1;
  s->multi_user = -1;
  f = fopen (path, "re");
  if (f == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, errno, "the boot check wrote no "
                         "summary '%s'", path);
  while ((len = getline (&line, &cap, f)) >= 0) {
    const char *why, *sp;
    no++;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if (strlen (line) != (size_t) len) {
      why = "a NUL byte";
      goto bad;
    }
    if (no == 1) {
      if (strcmp (line, SUMMARY_FORMAT) == 0)
        continue;
      why = "not the format '" SUMMARY_FORMAT "'";
      goto bad;
    }
    sp = strchr (line, ' ');
    if (sp == NULL && strcmp (line, "result") != 0) {
      why = "a line without a value";
      goto bad;
    }
    {
      char key[32];
      size_t kl = sp ? (size_t) (sp - line) : strlen (line);
      if (kl == 0 || kl >= sizeof key) {
        why = "no key";
        goto bad;
      }
      memcpy (key, line, kl);
      key[kl] = '\0';
      if (summary_line (s, key, sp ? sp + 1 : "", &why) == 0)
        continue;
    }
  bad:
    fg_err_set (e, FG_E_INTERNAL, "'%s' line %u: %s: '%.60s'", path, no, why,
                line);
    fg_err_hint (e, "fg2ng and " HARNESS " disagree: install them together");
    return -1;
  }
  if (no == 0)
    return fg_err_set (e, FG_E_INTERNAL, "the boot check's summary '%s' is "
                       "empty", path);
  return 0;
}

/* The summary must agree with the harness's exit status and hold a check
 * for every claim made: a missing one is a bug, never a pass. */
static int
summary_agrees (const struct summary *s, int status, int booted,
                const struct verify_opts *o, const char *path,
                struct fg_err *e)
{
  static const char *const always[] = { "multi-user", "root mounted",
    "kernel root= by UUID", "fstab / by UUID or LABEL" };
  const size_t nalways = sizeof always / sizeof *always;
  char name[600];

  if (status == 0 && (s->result != RESULT_PASS || s->nfailed ||
                      (booted && !s->nchecks) || s->config == NULL))
    return fg_err_set (e, FG_E_INTERNAL, "the boot check passed but its "
                       "summary '%s' %s", path, s->nfailed ? "has failed "
                       "checks" : "does not say so");
  if (status == 1 && (s->result != RESULT_FAIL || s->nfailed == 0))
    return fg_err_set (e, FG_E_INTERNAL, "the boot check failed but its "
                       "summary '%s' names no failed check", path);
  if (status != 0 || !booted)
    return 0;
  for (size_t i = 0; i < o->ips.n + o->routes.n + nalways; i++) {
    int found = 0;
    if (i < o->ips.n)
      snprintf (name, sizeof name, "ip %s", o->ips.v[i]);
    else if (i < o->ips.n + o->routes.n)
      snprintf (name, sizeof name, "route %s", o->routes.v[i - o->ips.n]);
    else
      snprintf (name, sizeof name, "%s", always[i - o->ips.n - o->routes.n]);
    for (size_t k = 0; k < s->nchecks && !found; k++)
      found = strcmp (s->checks[k].name, name) == 0;
    if (!found)
      return fg_err_set (e, FG_E_INTERNAL, "the boot check passed without "
                         "checking '%s' (summary '%s')", name, path);
  }
  return 0;
}

/* ---- the report --------------------------------------------------------- */

static void
print_console_tail (const char *console, FILE *out)
{
  CLEANUP_FCLOSE FILE *f = fopen (console, "re");
  char *lines[CONSOLE_TAIL] = { NULL };
  char *line = NULL;
  size_t cap = 0, n = 0;
  ssize_t len;

  if (f == NULL)
    return;
  while ((len = getline (&line, &cap, f)) >= 0) {
    char *w = line, *r = line;
    /* escape sequences and carriage returns out; other control bytes
     * shown as '?' so that the terminal stays sane */
    while (*r) {
      if (*r == '\x1b' && r[1] == '[') {
        r += 2;
        while (*r && !((*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z')))
          r++;
        if (*r)
          r++;
        continue;
      }
      if (*r == '\r' || *r == '\n') {
        r++;
        continue;
      }
      *w++ = (unsigned char) *r < 0x20 && *r != '\t' ? '?' : *r;
      r++;
    }
    *w = '\0';
    free (lines[n % CONSOLE_TAIL]);
    lines[n % CONSOLE_TAIL] = strdup (line);
    n++;
  }
  free (line);
  if (n == 0)
    return;
  fprintf (out, "--- the serial console's last %zu lines (%s):\n",
           n < CONSOLE_TAIL ? n : (size_t) CONSOLE_TAIL, console);
  for (size_t i = n < CONSOLE_TAIL ? 0 : n - CONSOLE_TAIL; i < n; i++) {
    fprintf (out, "%s\n", lines[i % CONSOLE_TAIL] ? lines[i % CONSOLE_TAIL]
             : "");
  }
  fprintf (out, "---\n");
  for (size_t i = 0; i < CONSOLE_TAIL; i++)
    free (lines[i]);
}

static void
print_entry (const struct summary *s)
{
  if (s->config)
    printf ("  pygrub's choice: %s, entry %ld '%s'\n    kernel %s%s%s\n"
            "    args %s\n", s->config, s->entry, s->title ? s->title : "",
            s->kernel ? s->kernel : "?", s->initrd && *s->initrd
            ? ", initrd " : "", s->initrd ? s->initrd : "",
            s->args ? s->args : "");
}

static void
print_expectations (const struct verify_opts *o)
{
  printf ("  expected: multi-user, the root file system mounted by UUID "
          "(kernel root= and fstab)\n");
  if (o->ips.n == 0 && o->routes.n == 0) {
    printf ("  no address expected (%s; give --server-record, --expect-ip "
            "or --expect-route)\n", o->expect_from);
    return;
  }
  printf ("  expected from %s:\n", o->expect_from);
  for (size_t i = 0; i < o->ips.n; i++)
    printf ("    ip %s\n", o->ips.v[i]);
  for (size_t i = 0; i < o->routes.n; i++)
    printf ("    route %s\n", o->routes.v[i]);
  for (size_t i = 0; i < o->macs.n; i++)
    printf ("    NIC %zu MAC %s\n", i, o->macs.v[i]);
}

static void
print_text (const struct verify_opts *o, const struct summary *s)
{
  printf ("%s:\n", o->disk);
  print_entry (s);
  if (o->dry_run && s->nfailed == 0) {
    print_expectations (o);
    printf ("dry run: nothing booted\n");
    return;
  }
  if (s->multi_user == 1)
    printf ("  multi-user after %.1f s (%s)\n", s->multi_user_seconds,
            s->accel ? s->accel : "?");
  else if (s->multi_user == 0)
    printf ("  multi-user not reached (%.1f s of qemu)\n", s->qemu_seconds);
  if (o->ips.n == 0 && o->routes.n == 0)
    printf ("  no address expected (%s; give --server-record, --expect-ip "
            "or --expect-route)\n", o->expect_from);
  else
    printf ("  addresses and routes expected from %s\n", o->expect_from);
  for (size_t i = 0; i < s->nchecks; i++)
    printf ("  %s %s: %s\n", s->checks[i].ok ? "PASS" : "FAIL",
            s->checks[i].name, s->checks[i].detail);
  if (s->nfailed)
    for (size_t i = 0; i < s->guest.n; i++)
      if (strncmp (s->guest.v[i], "journal ", 8) != 0)
        printf ("  guest: %s\n", s->guest.v[i]);
  if (s->nfailed)
    printf ("%zu of %zu checks failed\n", s->nfailed, s->nchecks);
  else
    printf ("all %zu checks passed\n", s->nchecks);
}

static json_t *
strv_json (const struct strv *v)
{
  json_t *a = json_array ();

  for (size_t i = 0; a && i < v->n; i++)
    json_array_append_new (a, json_text (v->v[i]));
  return a ? a : json_null ();
}

static json_t *
report_json (const struct verify_opts *o, const struct summary *s,
             const char *kept)
{
  json_t *checks = json_array (), *root, *entry = json_null ();

  for (size_t i = 0; i < s->nchecks; i++)
    json_array_append_new (checks, json_pack ("{s:o, s:b, s:o}",
                                              "name",
                                              json_text (s->checks[i].name),
                                              "ok", s->checks[i].ok,
                                              "detail",
                                              json_text (s->checks[i].detail)));
  if (s->config)
    entry = json_pack ("{s:o, s:I, s:o, s:o, s:o, s:o}",
                       "config", json_text (s->config),
                       "index", (json_int_t) s->entry,
                       "title", json_text (s->title),
                       "kernel", json_text (s->kernel),
                       "initrd", s->initrd && *s->initrd
                       ? json_text (s->initrd) : json_null (),
                       "args", json_text (s->args));
  root = json_pack ("{s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:b}",
                    "disk", json_text (o->disk),
                    "accel", s->accel ? json_text (s->accel) : json_null (),
                    "entry", entry ? entry : json_null (),
                    "expected", "from", json_text (o->expect_from),
                    "ip", strv_json (&o->ips), "route", strv_json (&o->routes),
                    "mac", strv_json (&o->macs),
                    "multi_user_seconds", s->multi_user == 1
                    ? json_real (s->multi_user_seconds) : json_null (),
                    "checks", checks,
                    "ok", s->nfailed == 0 && (s->nchecks > 0 || o->dry_run));
  if (root && o->dry_run)
    json_object_set_new (root, "dry_run", json_true ());
  if (root && kept)
    json_object_set_new (root, "workdir", json_text (kept));
  return root;
}

/* ---- the work folder ---------------------------------------------------- */

static int
rm_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void) sb;
  (void) ftw;
  return (flag == FTW_DP ? rmdir (path) : unlink (path)) < 0 ? -1 : 0;
}

static void
remove_tree (const char *dir)
{
  if (nftw (dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
    fg_warn ("could not remove the work folder '%s': %s", dir,
             strerror (errno));
}

/* ---- the command -------------------------------------------------------- */

enum { OPT_RECORD = 256, OPT_IP, OPT_ROUTE, OPT_MAC, OPT_TIMEOUT, OPT_ACCEL,
       OPT_KEEP, OPT_JSON, OPT_DRY_RUN };

static int
parse_args (int argc, char **argv, struct verify_opts *o)
{
  static const struct option opts[] = {
    { "server-record", required_argument, NULL, OPT_RECORD },
    { "expect-ip", required_argument, NULL, OPT_IP },
    { "expect-route", required_argument, NULL, OPT_ROUTE },
    { "mac", required_argument, NULL, OPT_MAC },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "accel", required_argument, NULL, OPT_ACCEL },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "json", no_argument, NULL, OPT_JSON },
    { "dry-run", no_argument, NULL, OPT_DRY_RUN },
    { NULL, 0, NULL, 0 },
  };
  char buf[600], *end;
  unsigned long t;
  int c;

  opterr = 0;
  optind = 1;
  while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
    switch (c) {
    case OPT_RECORD:
      if (o->record)
        return fg_cmd_usage_error ("verify", "one --server-record only");
      o->record = optarg;
      break;
    case OPT_IP:
      if (parse_expect_ip (optarg, buf, sizeof buf) < 0)
        return fg_cmd_usage_error ("verify", "--expect-ip wants IFACE=ADDR/LEN "
                                   "(eth0=198.51.100.23/24), not '%s'",
                                   optarg);
      if (o->ips.n >= MAX_EXPECT || strv_add (&o->ips, buf) < 0)
        return fg_cmd_usage_error ("verify", "too many --expect-ip");
      break;
    case OPT_ROUTE:
      if (parse_expect_route (optarg, buf, sizeof buf) < 0)
        return fg_cmd_usage_error ("verify", "--expect-route wants 'DEST "
                                   "[via GW] [dev IFACE]' as 'ip route' prints "
                                   "it (DEST 'default' or a prefix such as "
                                   "10.176.0.0/12), not '%s'", optarg);
      if (o->routes.n >= MAX_EXPECT || strv_add (&o->routes, buf) < 0)
        return fg_cmd_usage_error ("verify", "too many --expect-route");
      break;
    case OPT_MAC:
      if (parse_mac (optarg, buf, sizeof buf) < 0)
        return fg_cmd_usage_error ("verify", "--mac wants a unicast MAC "
                                   "aa:bb:cc:dd:ee:ff, not '%s'", optarg);
      if (strv_has (&o->macs, buf))
        return fg_cmd_usage_error ("verify", "--mac %s given twice: two NICs "
                                   "cannot share a MAC", buf);
      if (o->macs.n >= MAX_MACS || strv_add (&o->macs, buf) < 0)
        return fg_cmd_usage_error ("verify", "at most %d --mac", MAX_MACS);
      break;
    case OPT_TIMEOUT:
      errno = 0;
      t = strtoul (optarg, &end, 10);
      if (errno || end == optarg || *end || t == 0 || t > 86400 ||
          optarg[0] == '-')
        return fg_cmd_usage_error ("verify", "--timeout wants seconds (1 to "
                                   "86400), not '%s'", optarg);
      o->timeout = (unsigned) t;
      break;
    case OPT_ACCEL:
      if (strcmp (optarg, "auto") && strcmp (optarg, "kvm") &&
          strcmp (optarg, "tcg"))
        return fg_cmd_usage_error ("verify", "--accel is auto, kvm or tcg, "
                                   "not '%s'", optarg);
      o->accel = optarg;
      break;
    case OPT_KEEP: o->keep = 1; break;
    case OPT_JSON: o->json = 1; break;
    case OPT_DRY_RUN: o->dry_run = 1; break;
    default:
      return fg_cmd_bad_option ("verify", c, argv);
    }
  }
  if (optind >= argc)
    return fg_cmd_usage_error ("verify", "no disk given");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("verify", "one disk only ('%s', then '%s')",
                               argv[optind], argv[optind + 1]);
  o->disk = argv[optind];
  return 0;
}

/* argv for the harness booting DISK in WORK, or (ENTRY_ONLY) only
 * choosing pygrub's entry and copying the network files to NETCFG (may be
 * NULL) with the scratch copy kept for the boot.  Strings point into the
 * arguments, which must outlive the vector. */
static char **
harness_argv (const char *harness, const char *disk,
              const struct verify_opts *o, const char *work, char *timeout,
              int entry_only, const char *netcfg)
{
  size_t n = 0, cap = 20 + 2 * (o->ips.n + o->routes.n + o->macs.n);
  char **argv = calloc (cap, sizeof *argv);

  if (argv == NULL)
    return NULL;
  argv[n++] = (char *) harness;
  argv[n++] = (char *) disk;
  argv[n++] = (char *) "--workdir";
  argv[n++] = (char *) work;
  argv[n++] = (char *) "--accel";
  argv[n++] = (char *) (o->accel ? o->accel : "auto");
  if (entry_only) {
    argv[n++] = (char *) "--print-entry";
    argv[n++] = (char *) "--keep";
    if (netcfg) {
      argv[n++] = (char *) "--dump-netcfg";
      argv[n++] = (char *) netcfg;
    }
    argv[n] = NULL;
    return argv;
  }
  argv[n++] = (char *) "--timeout";
  argv[n++] = timeout;
  argv[n++] = (char *) "--expect-root-by-uuid";
  for (size_t i = 0; i < o->ips.n; i++) {
    argv[n++] = (char *) "--expect-ip";
    argv[n++] = o->ips.v[i];
  }
  for (size_t i = 0; i < o->routes.n; i++) {
    argv[n++] = (char *) "--expect-route";
    argv[n++] = o->routes.v[i];
  }
  for (size_t i = 0; i < o->macs.n; i++) {
    argv[n++] = (char *) "--mac";
    argv[n++] = o->macs.v[i];
  }
  if (o->keep)
    argv[n++] = (char *) "--keep";
  argv[n] = NULL;
  return argv;
}

/* One run of the harness in folder SUB of WORK.  Returns the harness's
 * exit status (0 or 1, with S read and checked), or -1 with *RC set to
 * the exit code when the run ends the command (E set, or the harness
 * already said why on stderr, with the detail of its logs); *KEEP is set
 * when the work folder holds what explains the failure. */
static int
harness_run (const char *harness, const char *self, const char *disk,
             struct verify_opts *o, const char *work, const char *sub,
             int entry_only, struct summary *s, int *rc, int *keep,
             struct fg_err *e)
{
  char dir[PATH_MAX], netcfg[PATH_MAX + 16], path[PATH_MAX + 32];
  char timeout[16];
  char **argv;
  int status;

  snprintf (dir, sizeof dir, "%s/%s", work, sub);
  snprintf (netcfg, sizeof netcfg, "%s/netcfg", dir);
  snprintf (timeout, sizeof timeout, "%u", o->timeout);
  argv = harness_argv (harness, disk, o, dir, timeout, entry_only,
                       entry_only && o->expect_from[0] == '\0' ? netcfg
                       : NULL);
  if (argv == NULL) {
    *rc = FG_EXIT_INTERNAL;
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "verify");
  }
  if (mkdir (dir, 0700) < 0) {
    free (argv);
    *rc = FG_EXIT_INTERNAL;
    return fg_err_errno (e, FG_E_IO, errno, "cannot make '%s'", dir);
  }
  snprintf (path, sizeof path, "%s/harness.log", dir);
  status = run_harness (argv, self, path, e);
  free (argv);
  if (status < 0) {
    *rc = fg_err_exit_code (e);
    return -1;
  }
  if (status == 2) {            /* it said why: a usage or input error */
    *rc = FG_EXIT_INPUT;
    /* Its words went to stderr; a script reading --json gets the error
     * object all the same. */
    if (o->json)
      fg_err_set (e, FG_E_INPUT, "'%s': the boot check refused the disk "
                  "(its reason is on stderr)", o->disk);
    return -1;
  }
  if (status != 0 && status != 1) {
    if (status != 3)
      fprintf (stderr, "fg2ng verify: %s\n", status > 128
               ? "interrupted" : "the boot check failed unexpectedly");
    *rc = FG_EXIT_INTERNAL;
    if (o->json)
      fg_err_set (e, FG_E_INTERNAL, "'%s': the boot check %s (exit %d; its "
                  "messages are on stderr)", o->disk, status > 128
                  ? "was interrupted" : "failed", status);
    return -1;
  }
  snprintf (path, sizeof path, "%s/summary.txt", dir);
  if (summary_read (path, s, e) < 0 ||
      summary_agrees (s, status, !entry_only, o, path, e) < 0) {
    fg_err_hint (e, "the boot check's logs are kept in '%s'", work);
    *rc = FG_EXIT_INTERNAL;
    *keep = 1;
    return -1;
  }
  return status;
}

static int
run_verify (int argc, char **argv)
{
  struct verify_opts o;
  struct fg_err e = FG_ERR_INIT;
  struct summary s;
  char self[PATH_MAX], harness[PATH_MAX], work[PATH_MAX];
  char scratch[PATH_MAX + 32], path[PATH_MAX + 32];
  const char *tmp, *disk;
  ssize_t sl;
  int rc = 0, status, keep_work = 0, have_work = 0;

  memset (&o, 0, sizeof o);
  memset (&s, 0, sizeof s);
  o.timeout = DEFAULT_TIMEOUT;
  rc = parse_args (argc, argv, &o);
  if (rc != 0)
    goto out;
  if (o.ips.n || o.routes.n)
    snprintf (o.expect_from, sizeof o.expect_from, "the command line");
  if (o.record) {
    if (expect_from_record (o.record, &o.ips, &o.routes, &o.macs, &e) < 0)
      goto fail;
    snprintf (o.expect_from, sizeof o.expect_from, "%sthe server record "
              "'%s'", o.expect_from[0] ? "the command line and " : "",
              o.record);
  }
  if (check_disk (o.disk, &e) < 0)
    goto fail;
  sl = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (sl < 0) {
    fg_err_errno (&e, FG_E_INTERNAL, errno, "cannot find this program "
                  "(/proc/self/exe)");
    goto fail;
  }
  self[sl] = '\0';
  if (find_harness (self, harness, sizeof harness, &e) < 0)
    goto fail;

  tmp = getenv ("TMPDIR");
  snprintf (work, sizeof work, "%s/fg2ng-verify.XXXXXX", tmp && *tmp ? tmp
            : "/tmp");
  if (mkdtemp (work) == NULL) {
    fg_err_errno (&e, FG_E_IO, errno, "cannot make a work folder '%s'", work);
    goto fail;
  }
  have_work = 1;
  disk = o.disk;

  /* With no expectation, or for a dry run: pygrub's entry first, and the
   * guest's network files to derive the expectations from; the scratch
   * copy it made is what then boots. */
  if (o.expect_from[0] == '\0' || o.dry_run) {
    int derive = o.expect_from[0] == '\0';
    status = harness_run (harness, self, o.disk, &o, work, "entry", 1, &s,
                          &rc, &keep_work, &e);
    if (status < 0)
      goto end;
    if (status == 0 && derive) {
      const char *family = NULL;
      snprintf (path, sizeof path, "%s/entry/netcfg", work);
      if (expect_from_guest (path, &o.ips, &o.routes, &o.macs, &family,
                             &e) < 0) {
        rc = fg_err_exit_code (&e);
        goto end;
      }
      snprintf (o.expect_from, sizeof o.expect_from, "the guest's own "
                "network files%s%s%s", family ? " (" : "", family ? family
                : "", family ? ")" : ", none found");
    }
    if (status == 1 || o.dry_run)
      goto report;
    summary_release (&s);
    snprintf (scratch, sizeof scratch, "%s/entry/disk.raw", work);
    disk = scratch;
  }
  if (!o.json)
    fprintf (stderr, "fg2ng verify: booting '%s' (%s)\n", o.disk,
             o.accel ? o.accel : "accel auto");
  status = harness_run (harness, self, disk, &o, work, "boot", 0, &s, &rc,
                        &keep_work, &e);
  if (status < 0)
    goto end;

report:
  keep_work = o.keep || s.nfailed;
  if (o.json) {
    json_t *j = report_json (&o, &s, keep_work ? work : NULL);
    char *txt = j ? json_dumps (j, JSON_INDENT (2) | JSON_REAL_PRECISION (6))
      : NULL;
    json_decref (j);
    if (txt == NULL) {
      fg_err_errno (&e, FG_E_INTERNAL, ENOMEM, "the JSON report");
      rc = fg_err_exit_code (&e);
      goto end;
    }
    puts (txt);
    free (txt);
  } else
    print_text (&o, &s);
  if (s.nfailed) {
    snprintf (path, sizeof path, "%s/%s/console.log", work, o.dry_run ||
              s.multi_user == -1 ? "entry" : "boot");
    print_console_tail (path, o.json ? stderr : stdout);
  }
  if (keep_work)
    fprintf (o.json ? stderr : stdout, "work folder kept: %s\n", work);
  rc = s.nfailed ? FG_EXIT_REFUSED : FG_EXIT_OK;

end:
  /* kept after a failed check (the console and the guest's report say
   * why) or a summary fg2ng cannot read; removed otherwise: the harness
   * printed the detail of what stopped it */
  if (fg_err_is_set (&e))
    fg_cmd_finish (&e);
  if (have_work && !o.keep) {
    /* the entry's scratch copy (the boot made its own from it) */
    snprintf (path, sizeof path, "%s/entry/disk.raw", work);
    unlink (path);
    if (!keep_work)
      remove_tree (work);
  }
  goto out;

fail:
  rc = fg_cmd_finish (&e);
out:
  summary_release (&s);
  strv_release (&o.ips);
  strv_release (&o.routes);
  strv_release (&o.macs);
  return rc;
}

const struct fg_cmd fg_cmd_verify = {
  .name = "verify",
  .summary = "boot a converted disk under qemu as pygrub would and check it",
  .help = help,
  .run = run_verify,
};
