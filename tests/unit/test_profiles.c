/* tests/unit/test_profiles.c --- the typed profiles and the family map
 *
 * Issue 18: every profile is read once into struct fg_profile, a key it
 * does not know (a typo) is an error naming the file and the key, and
 * the profiles' "distros" lists are the one distro -> family map
 * (Amazon Linux, once detected and converted without fixups, is
 * redhat's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts/profiles.h"
#include "tap.h"

static char top_profiles[4096];

/* A scratch folder with a copy of every shipped profile, FILE's text
 * replaced by TEXT (when FILE is not NULL). */
static char *
scratch (const char *file, const char *text)
{
  char *dir = strdup ("/tmp/fg-test-profiles.XXXXXX"), cmd[8400];
  FILE *f;

  if (dir == NULL || mkdtemp (dir) == NULL)
    return NULL;
  snprintf (cmd, sizeof cmd, "cp '%s'/*.json '%s'/", top_profiles, dir);
  if (system (cmd) != 0)
    return NULL;
  if (file) {
    snprintf (cmd, sizeof cmd, "%s/%s", dir, file);
    f = fopen (cmd, "w");
    if (f == NULL)
      return NULL;
    fputs (text, f);
    fclose (f);
  }
  return dir;
}

static void
remove_scratch (char *dir)
{
  char cmd[4200];

  if (dir) {
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT (system (cmd), 0);
  }
  free (dir);
}

/* A small profile that converts; EXTRA is spliced in as top-level keys,
 * BOOT as keys of "boot". */
static char *
tiny (const char *extra, const char *boot)
{
  static char text[2048];

  snprintf (text, sizeof text,
            "{ \"family\": \"debian\", \"distros\": [\"tinyos\"],"
            "  \"tested\": false, %s"
            "  \"boot\": { \"configs\": [\"boot/grub/menu.lst\"],"
            "    \"console\": \"hvc0\", \"root\": \"uuid\" %s },"
            "  \"fstab\": { \"root\": \"uuid\" }, \"remove\": [],"
            "  \"initramfs\": { \"modules\": [\"xen-blkfront\"],"
            "    \"rebuild\": [\"true\"] },"
            "  \"network\": { \"renderer\": \"debian-interfaces\" },"
            "  \"filesystem\": \"ext4\" }", extra, boot);
  return text;
}

static void
test_shipped_load (void)
{
  struct fg_profiles ps;
  struct fg_err e = FG_ERR_INIT;
  const struct fg_profile *p;
  struct fg_initramfs_facts ir;

  CHECK_INT (fg_profiles_load_dir (top_profiles, &ps, &e), 0);
  if (fg_err_is_set (&e))
    printf ("# %s\n", e.msg);
  CHECK (ps.n >= 8);
  p = fg_profiles_find (&ps, "centos");
  CHECK (p != NULL);
  if (p) {
    CHECK_STR (p->file, "rhel.json");
    CHECK (p->convert && p->tested);
    CHECK_STR (p->boot.console, "hvc0");
    /* EL5's initramfs is mkinitrd's, EL6's dracut's: "_by_major". */
    fg_profile_initramfs (p, "5", &ir);
    CHECK_STR (ir.tool, "mkinitrd");
    CHECK_STR (ir.modules_format, "modprobe-alias");
    CHECK_INT (ir.modules->n, 2);
    CHECK_STR (ir.modules->v[0], "xenblk");
    CHECK (ir.naliases > 0);
    fg_profile_initramfs (p, "6", &ir);
    CHECK_STR (ir.tool, "dracut");
    CHECK_STR (ir.modules->v[0], "xen-blkfront");
    CHECK (ir.rebuild->v[ir.rebuild->n] == NULL);     /* an argv */
  }
  p = fg_profiles_find (&ps, "windows");
  CHECK (p != NULL && !p->convert && p->reason != NULL);
  fg_profiles_release (&ps);
}

static void
test_unknown_key_refused (void)
{
  char *dir = scratch ("tiny.json", tiny ("\"filesytem\": \"ext4\",", ""));
  struct fg_profiles ps;
  struct fg_err e = FG_ERR_INIT;

  CHECK (dir != NULL);
  CHECK_INT (fg_profiles_load_dir (dir, &ps, &e), -1);
  CHECK_INT (e.kind, FG_E_INTERNAL);
  CHECK_INT (fg_err_exit_code (&e), 3);
  CHECK_CONTAINS (e.msg, "tiny.json");
  CHECK_CONTAINS (e.msg, "'filesytem'");
  remove_scratch (dir);

  /* inside an object too, named by its path */
  dir = scratch ("tiny.json", tiny ("", ", \"consol\": \"hvc0\""));
  fg_err_clear (&e);
  CHECK_INT (fg_profiles_load_dir (dir, &ps, &e), -1);
  CHECK_CONTAINS (e.msg, "tiny.json");
  CHECK_CONTAINS (e.msg, "'boot.consol'");
  remove_scratch (dir);

  /* the same profile without the typo loads */
  dir = scratch ("tiny.json", tiny ("", ""));
  fg_err_clear (&e);
  CHECK_INT (fg_profiles_load_dir (dir, &ps, &e), 0);
  CHECK (fg_profiles_find (&ps, "tinyos") != NULL);
  fg_profiles_release (&ps);
  remove_scratch (dir);
}

static void
test_missing_key_refused (void)
{
  char *dir = scratch ("tiny.json",
                       "{ \"family\": \"debian\", \"distros\": [\"tinyos\"],"
                       "  \"tested\": false }");
  struct fg_profiles ps;
  struct fg_err e = FG_ERR_INIT;

  CHECK_INT (fg_profiles_load_dir (dir, &ps, &e), -1);
  CHECK_INT (fg_err_exit_code (&e), 3);
  CHECK_CONTAINS (e.msg, "tiny.json");
  CHECK_CONTAINS (e.msg, "'boot'");
  remove_scratch (dir);

  /* a wrong type is refused alike, naming the key */
  dir = scratch ("tiny.json", tiny ("", ", \"cmdline_add\": \"x\""));
  fg_err_clear (&e);
  CHECK_INT (fg_profiles_load_dir (dir, &ps, &e), -1);
  CHECK_CONTAINS (e.msg, "'boot.cmdline_add'");
  remove_scratch (dir);

  /* a distro named by two profiles: the map would not be one */
  dir = scratch ("tiny.json", tiny ("", ""));
  {
    char path[4200];
    FILE *f;
    snprintf (path, sizeof path, "%s/tiny2.json", dir);
    f = fopen (path, "w");
    CHECK (f != NULL);
    if (f) {
      fputs (tiny ("", ""), f);
      fclose (f);
    }
  }
  fg_err_clear (&e);
  CHECK_INT (fg_profiles_load_dir (dir, &ps, &e), -1);
  CHECK_CONTAINS (e.msg, "'tinyos'");
  CHECK_CONTAINS (e.msg, "tiny2.json");
  remove_scratch (dir);
}

static void
test_family_map (void)
{
  struct fg_err e = FG_ERR_INIT;

  CHECK_STR (fg_family_of_distro ("debian", &e), "debian");
  CHECK_STR (fg_family_of_distro ("ubuntu", &e), "debian");
  CHECK_STR (fg_family_of_distro ("centos", &e), "redhat");
  CHECK_STR (fg_family_of_distro ("fedora", &e), "redhat");
  CHECK_STR (fg_family_of_distro ("amzn", &e), "redhat");
  CHECK_STR (fg_family_of_distro ("sles", &e), "suse");
  CHECK_STR (fg_family_of_distro ("archlinux", &e), "arch");
  CHECK (fg_family_of_distro ("plan9", &e) == NULL);
  CHECK (fg_family_of_distro ("windows", &e) == NULL);   /* detection only */
  CHECK (fg_family_of_distro (NULL, &e) == NULL);
  CHECK (!fg_err_is_set (&e));
  /* amzn converts with the Red Hat profile's fixups */
  {
    const struct fg_profile *p = fg_profile_for_distro ("amzn", &e);
    CHECK (p != NULL && strcmp (p->file, "rhel.json") == 0);
  }
}

int
main (void)
{
  const char *top = getenv ("FG_TOP");

  snprintf (top_profiles, sizeof top_profiles, "%s/profiles",
            top && *top ? top : ".");
  /* The profiles of this source tree, as tests/run.sh runs from it. */
  if (getenv ("FG2NG_PROFILES") == NULL)
    setenv ("FG2NG_PROFILES", top_profiles, 1);
  RUN (test_shipped_load);
  RUN (test_unknown_key_refused);
  RUN (test_missing_key_refused);
  RUN (test_family_map);
  return TAP_DONE ();
}
