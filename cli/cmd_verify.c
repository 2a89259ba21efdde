/* cli/cmd_verify.c --- fg2ng verify: does the converted disk boot?
 *
 * Issue 7, item 6.  The options and what is printed; the boot check
 * itself (expectations, the disk, the harness, its summary) is verify/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "verify/report.h"
#include "verify/verify.h"

#define HARNESS FG_VERIFY_HARNESS


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

/* ---- options ------------------------------------------------------------ */

enum { OPT_RECORD = 256, OPT_IP, OPT_ROUTE, OPT_MAC, OPT_TIMEOUT, OPT_ACCEL,
       OPT_KEEP, OPT_JSON, OPT_DRY_RUN };

/* The options that add an expectation: each value checked and
 * canonicalised by PARSE, then added to its list (at most MAX). */
static const struct {
  int id;
  const char *name;
  int (*parse) (const char *s, char *out, size_t cap);
  const char *wants;
  size_t max;
} list_opts[] = {
  { OPT_IP, "--expect-ip", fg_verify_parse_ip,
    "IFACE=ADDR/LEN (eth0=198.51.100.23/24)", FG_VERIFY_MAX_EXPECT },
  { OPT_ROUTE, "--expect-route", fg_verify_parse_route,
    "'DEST [via GW] [dev IFACE]' as 'ip route' prints it (DEST 'default' or "
    "a prefix such as 10.176.0.0/12)", FG_VERIFY_MAX_EXPECT },
  { OPT_MAC, "--mac", fg_verify_parse_mac, "a unicast MAC aa:bb:cc:dd:ee:ff",
    FG_VERIFY_MAX_MACS },
};

static int
list_opt (struct fg_verify *v, size_t k, const char *arg)
{
  struct fg_verify_list *l = list_opts[k].id == OPT_IP ? &v->ips
    : list_opts[k].id == OPT_ROUTE ? &v->routes : &v->macs;
  const char *name = list_opts[k].name;
  char buf[600];

  if (list_opts[k].parse (arg, buf, sizeof buf) < 0)
    return fg_cmd_usage_error ("verify", "%s wants %s, not '%s'", name,
                               list_opts[k].wants, arg);
  if (l == &v->macs && fg_verify_list_has (l, buf))
    return fg_cmd_usage_error ("verify", "--mac %s given twice: two NICs "
                               "cannot share a MAC", buf);
  if (l->n >= list_opts[k].max || fg_verify_list_add (l, buf) < 0)
    return l == &v->macs
      ? fg_cmd_usage_error ("verify", "at most %d --mac", FG_VERIFY_MAX_MACS)
      : fg_cmd_usage_error ("verify", "too many %s", name);
  return 0;
}

/* Option C with its value ARG (getopt's optarg); 0 or the exit code. */
static int
one_opt (struct fg_verify *v, int *json, int c, const char *arg, char **argv)
{
  char *end;
  unsigned long t;

  for (size_t k = 0; k < sizeof list_opts / sizeof *list_opts; k++)
    if (list_opts[k].id == c)
      return list_opt (v, k, arg);
  switch (c) {
  case OPT_RECORD:
    if (v->record)
      return fg_cmd_usage_error ("verify", "one --server-record only");
    v->record = arg;
    return 0;
  case OPT_TIMEOUT:
    errno = 0;
    t = strtoul (arg, &end, 10);
    if (errno || end == arg || *end || t == 0 || t > 86400 || arg[0] == '-')
      return fg_cmd_usage_error ("verify", "--timeout wants seconds (1 to "
                                 "86400), not '%s'", arg);
    v->timeout = (unsigned) t;
    return 0;
  case OPT_ACCEL:
    if (strcmp (arg, "auto") && strcmp (arg, "kvm") && strcmp (arg, "tcg"))
      return fg_cmd_usage_error ("verify", "--accel is auto, kvm or tcg, "
                                 "not '%s'", arg);
    v->accel = arg;
    return 0;
  case OPT_KEEP: v->keep = 1; return 0;
  case OPT_JSON: *json = 1; return 0;
  case OPT_DRY_RUN: v->dry_run = 1; return 0;
  default:
    return fg_cmd_bad_option ("verify", c, argv);
  }
}

static int
parse_args (int argc, char **argv, struct fg_verify *v, int *json)
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
  int c, rc;

  opterr = 0;
  optind = 1;
  while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1)
    if ((rc = one_opt (v, json, c, optarg, argv)) != 0)
      return rc;
  if (optind >= argc)
    return fg_cmd_usage_error ("verify", "no disk given");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("verify", "one disk only ('%s', then '%s')",
                               argv[optind], argv[optind + 1]);
  v->disk = argv[optind];
  return 0;
}

/* ---- the report --------------------------------------------------------- */

static void
print_entry (const struct fg_verify_summary *s)
{
  if (s->config)
    printf ("  pygrub's choice: %s, entry %ld '%s'\n    kernel %s%s%s\n"
            "    args %s\n", s->config, s->entry, s->title ? s->title : "",
            s->kernel ? s->kernel : "?", s->initrd && *s->initrd
            ? ", initrd " : "", s->initrd ? s->initrd : "",
            s->args ? s->args : "");
}

static void
print_expectations (const struct fg_verify *v)
{
  printf ("  expected: multi-user, the root file system mounted by UUID "
          "(kernel root= and fstab)\n");
  if (v->ips.n == 0 && v->routes.n == 0) {
    printf ("  no address expected (%s; give --server-record, --expect-ip "
            "or --expect-route)\n", v->expect_from);
    return;
  }
  printf ("  expected from %s:\n", v->expect_from);
  for (size_t i = 0; i < v->ips.n; i++)
    printf ("    ip %s\n", v->ips.v[i]);
  for (size_t i = 0; i < v->routes.n; i++)
    printf ("    route %s\n", v->routes.v[i]);
  for (size_t i = 0; i < v->macs.n; i++)
    printf ("    NIC %zu MAC %s\n", i, v->macs.v[i]);
}

static void
print_text (const struct fg_verify *v)
{
  const struct fg_verify_summary *s = &v->s;

  printf ("%s:\n", v->disk);
  print_entry (s);
  if (v->dry_run && s->nfailed == 0) {
    print_expectations (v);
    printf ("dry run: nothing booted\n");
    return;
  }
  if (s->multi_user == 1)
    printf ("  multi-user after %.1f s (%s)\n", s->multi_user_seconds,
            s->accel ? s->accel : "?");
  else if (s->multi_user == 0)
    printf ("  multi-user not reached (%.1f s of qemu)\n", s->qemu_seconds);
  if (v->ips.n == 0 && v->routes.n == 0)
    printf ("  no address expected (%s; give --server-record, --expect-ip "
            "or --expect-route)\n", v->expect_from);
  else
    printf ("  addresses and routes expected from %s\n", v->expect_from);
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

/* The report of a check that ran: 0 every check passed, 1 one failed. */
static int
report (const struct fg_verify *v, int json, struct fg_err *e)
{
  FILE *aside = json ? stderr : stdout;

  if (json) {
    json_t *j = fg_verify_report_json (v);
    char *txt = j ? json_dumps (j, JSON_INDENT (2) | JSON_REAL_PRECISION (6))
      : NULL;
    json_decref (j);
    if (txt == NULL) {
      fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "the JSON report");
      return fg_cmd_finish (e);
    }
    puts (txt);
    free (txt);
  } else
    print_text (v);
  if (v->s.nfailed)
    fg_verify_print_console_tail (v, aside);
  if (v->keep_work)
    fprintf (aside, "work folder kept: %s\n", v->work);
  return v->s.nfailed ? FG_EXIT_REFUSED : FG_EXIT_OK;
}

/* A check that could not run.  When the harness ended it, it said why
 * on stderr (or it is said here); E is printed too only for --json,
 * whose reader wants the error object on stdout. */
static int
broken (const struct fg_verify *v, int json, const struct fg_err *e)
{
  int st = v->harness_exit;

  if (st != 0 && st != 2 && st != 3)
    fprintf (stderr, "fg2ng verify: %s\n", st > 128
             ? "interrupted" : "the boot check failed unexpectedly");
  if (st == 0 || json)
    return fg_cmd_finish (e);
  return fg_err_exit_code (e);
}

static int
run_verify (int argc, char **argv)
{
  struct fg_verify v;
  struct fg_err e = FG_ERR_INIT;
  int json = 0, rc, status;

  fg_verify_init (&v);
  rc = parse_args (argc, argv, &v, &json);
  if (rc != 0)
    goto out;
  if (fg_verify_prepare (&v, &e) < 0) {
    rc = fg_cmd_finish (&e);
    goto out;
  }
  status = fg_verify_entry (&v, &e);
  if (status == 0 && !v.dry_run) {
    if (!json)
      fprintf (stderr, "fg2ng verify: booting '%s' (%s)\n", v.disk,
               v.accel ? v.accel : "accel auto");
    status = fg_verify_boot (&v, &e);
  }
  rc = status < 0 ? broken (&v, json, &e) : report (&v, json, &e);
out:
  fg_verify_finish (&v);
  return rc;
}

const struct fg_cmd fg_cmd_verify = {
  .name = "verify",
  .summary = "boot a converted disk under qemu as pygrub would and check it",
  .help = help,
  .run = run_verify,
};
