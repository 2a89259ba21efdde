/* tests/unit/test_fixups.c --- the profile's file edits
 *
 * Issue 15: the edits copy what the image's files say, however long a
 * line is; a fixed buffer once cut fstab's root line at 511 bytes (its
 * options and the dump and pass fields lost: a mount that fails).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixups/fixups.h"
#include "tap.h"

#define UUID "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"

/* The Debian profile's edits, without a network plan. */
static struct fg_fixups *
debian_fixups (void)
{
  struct fg_fixup_facts facts = { "debian", UUID, "ext4", NULL, NULL, "7" };
  struct fg_fixups *fx = NULL;
  struct fg_err e = FG_ERR_INIT;

  if (fg_fixups_new (&fx, &facts, &e) < 0 || fx == NULL)
    printf ("# fg_fixups_new: %s\n", e.msg);
  return fx;
}

static char *
edit (struct fg_fixups *fx, const char *path, const char *text)
{
  char *out = NULL;
  size_t len = 0;

  if (fx == NULL || fg_fixups_apply (fx, path, text, strlen (text), &out,
                                     &len) != FG_FIX_REPLACE)
    return NULL;
  CHECK_INT (len, strlen (out));
  return out;
}

static void
test_fstab_root_by_uuid (void)
{
  struct fg_fixups *fx = debian_fixups ();
  char *out = edit (fx, "etc/fstab", "/dev/sda1 / ext3 errors=remount-ro 0 1\n"
                    "proc /proc proc defaults 0 0\n");

  CHECK_STR (out, "UUID=" UUID "\t/\text4\terrors=remount-ro 0 1\n"
             "proc /proc proc defaults 0 0\n");
  free (out);
  fg_fixups_free (fx);
}

static void
test_fstab_long_root_line_kept_whole (void)
{
  struct fg_fixups *fx = debian_fixups ();
  size_t n = 3000;
  char *opts = malloc (n + 1), *text = malloc (n + 100);
  char *want = malloc (n + 100), *out;

  memset (opts, 'x', n);
  memcpy (opts, "defaults,", 9);
  memcpy (opts + n - 18, ",errors=remount-ro", 18);
  opts[n] = '\0';
  snprintf (text, n + 100, "/dev/sda1 / ext3 %s 0 1\nproc /proc proc "
            "defaults 0 0\n", opts);
  snprintf (want, n + 100, "UUID=" UUID "\t/\text4\t%s 0 1\nproc /proc proc "
            "defaults 0 0\n", opts);
  out = edit (fx, "etc/fstab", text);
  CHECK_STR (out, want);
  free (out);
  free (opts);
  free (text);
  free (want);
  fg_fixups_free (fx);
}

int
main (void)
{
  /* The profiles of this source tree, as tests/run.sh runs from it. */
  if (getenv ("FG2NG_PROFILES") == NULL) {
    const char *top = getenv ("FG_TOP");
    char dir[4096];
    snprintf (dir, sizeof dir, "%s/profiles", top && *top ? top : ".");
    setenv ("FG2NG_PROFILES", dir, 1);
  }
  RUN (test_fstab_root_by_uuid);
  RUN (test_fstab_long_root_line_kept_whole);
  return TAP_DONE ();
}
