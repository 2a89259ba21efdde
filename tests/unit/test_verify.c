/* tests/unit/test_verify.c --- verify/: the expectations the command line
 * gives, the harness's summary read strictly, and the JSON report */
#include "tests/unit/tap.h"
#include "verify/expect.h"
#include "verify/report.h"
#include "verify/summary.h"
#include "verify/verify.h"

#include <unistd.h>

/* S through PARSE, or "-" when refused. */
static const char *
parsed (int (*parse) (const char *, char *, size_t), const char *s)
{
  static char out[600];

  return parse (s, out, sizeof out) < 0 ? "-" : out;
}

static void
test_expect_ip (void)
{
  CHECK_STR (parsed (fg_verify_parse_ip, "eth0=198.51.100.23/24"),
             "eth0=198.51.100.23/24");
  CHECK_STR (parsed (fg_verify_parse_ip, "eth1=2001:DB8:0::1/64"),
             "eth1=2001:db8::1/64");
  CHECK_STR (parsed (fg_verify_parse_ip, "eth0=198.51.100.23"), "-");
  CHECK_STR (parsed (fg_verify_parse_ip, "eth0=198.51.100.23/33"), "-");
  CHECK_STR (parsed (fg_verify_parse_ip, "=198.51.100.23/24"), "-");
  CHECK_STR (parsed (fg_verify_parse_ip, "a-name-too-long-x=10.0.0.1/8"), "-");
  CHECK_STR (parsed (fg_verify_parse_ip, "eth 0=10.0.0.1/8"), "-");
}

static void
test_expect_route (void)
{
  CHECK_STR (parsed (fg_verify_parse_route,
                     "default  via 198.51.100.1\tdev eth0"),
             "default via 198.51.100.1 dev eth0");
  CHECK_STR (parsed (fg_verify_parse_route, "10.176.0.0/12 via 10.179.64.1"),
             "10.176.0.0/12 via 10.179.64.1");
  CHECK_STR (parsed (fg_verify_parse_route, "10.176.0.0/12 dev eth1"),
             "10.176.0.0/12 dev eth1");
  /* not as 'ip route' prints it: never matches, so refused */
  CHECK_STR (parsed (fg_verify_parse_route, "2001:DB8::/32 dev eth0"), "-");
  CHECK_STR (parsed (fg_verify_parse_route, "dev eth0 via 10.0.0.1"), "-");
  CHECK_STR (parsed (fg_verify_parse_route, "default dev eth0 via 10.0.0.1"),
             "-");
  CHECK_STR (parsed (fg_verify_parse_route,
                     "default via 10.0.0.1 via 10.0.0.2"), "-");
  CHECK_STR (parsed (fg_verify_parse_route, "default"), "-");
  CHECK_STR (parsed (fg_verify_parse_route, "default via nowhere"), "-");
}

static void
test_expect_mac (void)
{
  CHECK_STR (parsed (fg_verify_parse_mac, "BC:76:4E:20:1A:01"),
             "bc:76:4e:20:1a:01");
  CHECK_STR (parsed (fg_verify_parse_mac, "01:00:5e:00:00:01"), "-");
  CHECK_STR (parsed (fg_verify_parse_mac, "bc-76-4e-20-1a-01"), "-");
  CHECK_STR (parsed (fg_verify_parse_mac, "bc:76:4e:20:1a"), "-");
}

static void
test_list (void)
{
  struct fg_verify_list l = { NULL, 0 };

  CHECK_INT (fg_verify_list_add (&l, "a"), 0);
  CHECK_INT (fg_verify_list_add (&l, "b"), 0);
  CHECK_INT (fg_verify_list_add (&l, "a"), 0);
  CHECK_INT (l.n, 2);
  CHECK (fg_verify_list_has (&l, "b"));
  CHECK (!fg_verify_list_has (&l, "c"));
  fg_verify_list_release (&l);
  CHECK_INT (l.n, 0);
}

static char summary_path[] = "/tmp/test_verify.XXXXXX";

/* Write TEXT as the summary and read it into S; the error in E. */
static int
read_text (const char *text, struct fg_verify_summary *s, struct fg_err *e)
{
  FILE *f = fopen (summary_path, "w");

  fputs (text, f);
  fclose (f);
  *e = (struct fg_err) FG_ERR_INIT;
  return fg_verify_summary_read (summary_path, s, e);
}

#define GOOD \
  "fg2ng-boot-check-summary 1\n" \
  "config /boot/grub/menu.lst\n" \
  "entry 0 Debian GNU/Linux\n" \
  "kernel /boot/vmlinuz\n" \
  "initrd /boot/initrd.img\n" \
  "args root=UUID=x ro\n" \
  "accel tcg no /dev/kvm\n" \
  "multi_user yes 12.5 console\n" \
  "qemu_seconds 20\n" \
  "check PASS multi-user: reached\n" \
  "check PASS root mounted: /dev/vda1\n" \
  "check PASS kernel root= by UUID: root=UUID=x\n" \
  "check PASS fstab / by UUID or LABEL: UUID=x\n" \
  "check PASS ip eth0=198.51.100.23/24: present\n" \
  "state running\n" \
  "fs_uuid x\n" \
  "result pass\n"

static void
test_summary_good (void)
{
  struct fg_verify_summary s;
  struct fg_verify_list ips = { NULL, 0 }, routes = { NULL, 0 };
  struct fg_err e;

  CHECK_INT (read_text (GOOD, &s, &e), 0);
  CHECK_STR (s.config, "/boot/grub/menu.lst");
  CHECK_INT (s.entry, 0);
  CHECK_STR (s.title, "Debian GNU/Linux");
  CHECK_STR (s.accel, "tcg");
  CHECK_INT (s.multi_user, 1);
  CHECK (s.multi_user_seconds == 12.5);
  CHECK_INT (s.nchecks, 5);
  CHECK_INT (s.nfailed, 0);
  CHECK_INT (s.guest.n, 1);
  CHECK_INT (s.result, FG_VERIFY_RESULT_PASS);
  fg_verify_list_add (&ips, "eth0=198.51.100.23/24");
  CHECK_INT (fg_verify_summary_agrees (&s, 0, 1, &ips, &routes, "S", &e), 0);
  /* a claim the summary did not check is a bug, never a pass */
  fg_verify_list_add (&routes, "default via 198.51.100.1 dev eth0");
  CHECK_INT (fg_verify_summary_agrees (&s, 0, 1, &ips, &routes, "S", &e), -1);
  CHECK_CONTAINS (e.msg, "without checking 'route default via");
  /* exit 1 with no failed check */
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (fg_verify_summary_agrees (&s, 1, 1, &ips, &routes, "S", &e), -1);
  CHECK_CONTAINS (e.msg, "names no failed check");
  fg_verify_list_release (&ips);
  fg_verify_list_release (&routes);
  fg_verify_summary_release (&s);
}

static void
test_summary_refused (void)
{
  static const struct { const char *text, *why; } bad[] = {
    { "fg2ng-boot-check-summary 2\n", "not the format" },
    { "fg2ng-boot-check-summary 1\nsurprise 1\n", "does not know" },
    { "fg2ng-boot-check-summary 1\ncheck MAYBE x: y\n", "neither PASS" },
    { "fg2ng-boot-check-summary 1\ncheck PASS nodetail\n", "NAME: DETAIL" },
    { "fg2ng-boot-check-summary 1\nkernel a\nkernel b\n", "a second kernel" },
    { "fg2ng-boot-check-summary 1\nroot_arg a\nroot_arg b\n",
      "a second root_arg" },
    { "fg2ng-boot-check-summary 1\nentry x\n", "without its index" },
    { "fg2ng-boot-check-summary 1\nmulti_user yes 3\n", "multi_user neither" },
    { "fg2ng-boot-check-summary 1\naccel xen\n", "neither kvm nor tcg" },
    { "fg2ng-boot-check-summary 1\nresult maybe\n", "a result neither" },
    { "fg2ng-boot-check-summary 1\nconfig\n", "without a value" },
    { "", "is empty" },
  };
  struct fg_verify_summary s;
  struct fg_err e;

  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK_INT (read_text (bad[i].text, &s, &e), -1);
    CHECK_CONTAINS (e.msg, bad[i].why);
    fg_verify_summary_release (&s);
  }
}

static void
test_report_json (void)
{
  struct fg_verify v;
  struct fg_err e;
  json_t *j;
  char *txt;

  fg_verify_init (&v);
  v.disk = "s.vhd";
  snprintf (v.expect_from, sizeof v.expect_from, "the command line");
  fg_verify_list_add (&v.ips, "eth0=198.51.100.23/24");
  CHECK_INT (read_text (GOOD "check FAIL odd\xff: bytes\x01\n", &v.s, &e), 0);
  j = fg_verify_report_json (&v);
  CHECK (j != NULL);
  txt = json_dumps (j, JSON_COMPACT | JSON_SORT_KEYS);
  CHECK_CONTAINS (txt, "\"disk\":\"s.vhd\"");
  CHECK_CONTAINS (txt, "\"ip\":[\"eth0=198.51.100.23/24\"]");
  CHECK_CONTAINS (txt, "\"index\":0");
  CHECK_CONTAINS (txt, "\"multi_user_seconds\":12.5");
  /* what the guest wrote is made valid UTF-8 */
  CHECK_CONTAINS (txt, "\"name\":\"odd?\"");
  CHECK_CONTAINS (txt, "\"ok\":false");
  CHECK (strstr (txt, "workdir") == NULL);
  free (txt);
  json_decref (j);
  fg_verify_finish (&v);
}

int
main (void)
{
  int fd = mkstemp (summary_path);

  if (fd < 0)
    return 1;
  close (fd);
  RUN (test_expect_ip);
  RUN (test_expect_route);
  RUN (test_expect_mac);
  RUN (test_list);
  RUN (test_summary_good);
  RUN (test_summary_refused);
  RUN (test_report_json);
  unlink (summary_path);
  return TAP_DONE ();
}
