/* tests/unit/test_err.c --- the error convention */
#include "tests/unit/tap.h"
#include "util/err.h"

#include <errno.h>

static void
test_set_returns_minus_one_and_keeps_message (void)
{
  struct fg_err e = FG_ERR_INIT;
  CHECK_INT (fg_err_set (&e, FG_E_INPUT, "'%s': bad %s", "x.vhd", "footer"), -1);
  CHECK_STR (e.msg, "'x.vhd': bad footer");
  CHECK_INT (fg_err_exit_code (&e), 2);
  CHECK_STR (e.hint, "");
}

static void
test_prefix_adds_context_in_front (void)
{
  struct fg_err e = FG_ERR_INIT;
  fg_err_set (&e, FG_E_IO, "disk full");
  fg_err_hint (&e, "free some space");
  CHECK_INT (fg_err_prefix (&e, "writing '%s'", "out.vhd"), -1);
  CHECK_STR (e.msg, "writing 'out.vhd': disk full");
  CHECK_STR (e.hint, "free some space");
  CHECK_INT (fg_err_exit_code (&e), 3);
}

static void
test_errno_appends_strerror (void)
{
  struct fg_err e = FG_ERR_INIT;
  fg_err_errno (&e, FG_E_INPUT, ENOENT, "cannot open '%s'", "a");
  CHECK_CONTAINS (e.msg, "cannot open 'a': ");
  CHECK_CONTAINS (e.msg, "No such file");
  CHECK_INT (e.sys_errno, ENOENT);
  fg_err_errno (&e, FG_E_IO, ENOSPC, "cannot write");
  CHECK_CONTAINS (e.hint, "free space");
}

static void
test_exit_codes_by_kind (void)
{
  static const struct { enum fg_errkind k; int code; } t[] = {
    { FG_E_NONE, 0 }, { FG_E_REFUSED, 1 }, { FG_E_USAGE, 2 },
    { FG_E_INPUT, 2 }, { FG_E_IO, 3 }, { FG_E_UNSUPPORTED, 3 },
    { FG_E_INTERNAL, 3 },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    struct fg_err e = FG_ERR_INIT;
    if (t[i].k != FG_E_NONE)
      fg_err_set (&e, t[i].k, "x");
    CHECK_INT (fg_err_exit_code (&e), t[i].code);
  }
}

static void
test_long_messages_are_truncated_not_overflowed (void)
{
  struct fg_err e = FG_ERR_INIT;
  char big[5000];
  memset (big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  fg_err_set (&e, FG_E_INPUT, "%s", big);
  fg_err_prefix (&e, "%s", big);
  CHECK (strlen (e.msg) < sizeof e.msg);
}

static void
test_null_error_object_is_allowed (void)
{
  CHECK_INT (fg_err_set (NULL, FG_E_INPUT, "ignored"), -1);
  CHECK_INT (fg_err_prefix (NULL, "ctx"), -1);
}

static void
test_control_characters_are_escaped (void)
{
  struct fg_err e = FG_ERR_INIT;
  char buf[64];

  /* A member name that would clear the screen and forge a second line. */
  fg_err_set (&e, FG_E_INPUT, "'%s': bad member", "a\033[2Jb\nfg2ng: ok");
  CHECK_STR (e.msg, "'a\\x1B[2Jb\\x0Afg2ng: ok': bad member");
  fg_err_prefix (&e, "part '%s'", "p\r");
  CHECK_CONTAINS (e.msg, "part 'p\\x0D': 'a\\x1B");
  fg_err_hint (&e, "rename '%s'", "\x7f");
  CHECK_STR (e.hint, "rename '\\x7F'");
  CHECK (!fg_has_ctl (e.msg) && !fg_has_ctl (e.hint));
  /* UTF-8 letters stay; C1 controls (CSI is U+009B) and stray bytes go. */
  CHECK_STR (fg_escape_ctl (buf, sizeof buf, "caf\xc3\xa9", 0), "caf\xc3\xa9");
  CHECK_STR (fg_escape_ctl (buf, sizeof buf, "a\xc2\x9b" "31m", 0),
             "a\\xC2\\x9B31m");
  CHECK_STR (fg_escape_ctl (buf, sizeof buf, "\xff\xc3", 0), "\\xFF\\xC3");
  CHECK_STR (fg_escape_ctl (buf, sizeof buf, "a\tb", 1), "a\tb");
  CHECK_STR (fg_escape_ctl (buf, sizeof buf, "a\tb", 0), "a\\x09b");
  /* Idempotent: a message re-used in another is not escaped twice. */
  CHECK_STR (fg_escape_ctl (buf, sizeof buf, "a\\x1Bb", 0), "a\\x1Bb");
  /* Truncation never cuts an escape or a character in half. */
  CHECK_STR (fg_escape_ctl (buf, 6, "ab\033cd", 0), "ab");
  CHECK_STR (fg_escape_ctl (buf, 7, "ab\033cd", 0), "ab\\x1B");
  CHECK_STR (fg_escape_ctl (buf, 4, "ab\xc3\xa9", 0), "ab");
  CHECK (fg_has_ctl ("x\ny") && !fg_has_ctl ("caf\xc3\xa9"));
}

int
main (void)
{
  RUN (test_set_returns_minus_one_and_keeps_message);
  RUN (test_prefix_adds_context_in_front);
  RUN (test_errno_appends_strerror);
  RUN (test_exit_codes_by_kind);
  RUN (test_long_messages_are_truncated_not_overflowed);
  RUN (test_null_error_object_is_allowed);
  RUN (test_control_characters_are_escaped);
  return TAP_DONE ();
}
