/* tests/unit/test_fixups.c --- the profile's file edits
 *
 * Issue 15: the edits copy what the image's files say, however long a
 * line is; a fixed buffer once cut fstab's root line at 511 bytes (its
 * options and the dump and pass fields lost: a mount that fails).
 * Issue 16: each release's initramfs configuration is the file its own
 * tool reads, and the rebuild decision is made once, in the fixups.
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

/* The fixups of DISTRO release MAJOR, without a network plan. */
static struct fg_fixups *
fixups_of (const char *distro, const char *major)
{
  struct fg_fixup_facts facts = { distro, UUID, "ext4", NULL, NULL, major };
  struct fg_fixups *fx = NULL;
  struct fg_err e = FG_ERR_INIT;

  if (fg_fixups_new (&fx, &facts, &e) < 0 || fx == NULL)
    printf ("# fg_fixups_new %s %s: %s\n", distro, major ? major : "-", e.msg);
  return fx;
}

/* The files the fixups create when the guest has none. */
static char *
created (struct fg_fixups *fx)
{
  static char buf[1024];
  const char *path, *data;
  size_t i = 0, len;

  buf[0] = '\0';
  while (fx && fg_fixups_next_new (fx, &i, &path, &data, &len))
    snprintf (buf + strlen (buf), sizeof buf - strlen (buf), "%s\n", path);
  return buf;
}

/* Issue 16: EL5 has mkinitrd, which reads modprobe.conf, not dracut. */
static void
test_el5_modprobe_not_dracut (void)
{
  struct fg_fixups *fx = fixups_of ("centos", "5");
  char *out;

  CHECK (fx != NULL);
  CHECK_STR (created (fx), "etc/modprobe.conf\n");
  CHECK (!fg_fixups_touches (fx, "etc/dracut.conf.d/fg2ng-xen.conf"));
  CHECK_STR (fg_fixups_initramfs_command (fx)[0], "sh");
  /* An existing modprobe.conf: the block driver as the next
   * scsi_hostadapter, another eth0 module commented out. */
  out = edit (fx, "etc/modprobe.conf", "alias eth0 8139too\n"
              "alias scsi_hostadapter ata_piix\n");
  CHECK_STR (out, "# fg2ng, for next-gen: alias eth0 8139too\n"
             "alias scsi_hostadapter ata_piix\n"
             "alias scsi_hostadapter1 xenblk\n"
             "alias eth0 xennet\nalias eth1 xennet\n");
  free (out);
  /* Already right: nothing to change. */
  CHECK (edit (fx, "etc/modprobe.conf", "alias scsi_hostadapter xenblk\n"
               "alias eth0 xennet\nalias eth1 xennet\n") == NULL);
  fg_fixups_free (fx);
}

static void
test_el6_dracut (void)
{
  struct fg_fixups *fx = fixups_of ("centos", "6");

  CHECK (fx != NULL);
  CHECK_STR (created (fx), "etc/dracut.conf.d/fg2ng-xen.conf\n");
  CHECK (!fg_fixups_touches (fx, "etc/modprobe.conf"));
  CHECK_STR (fg_fixups_initramfs_command (fx)[0], "dracut");
  fg_fixups_free (fx);
}

/* mkinitcpio's MODULES="": no stray space; an unquoted value quoted. */
static void
test_shell_var (void)
{
  struct fg_fixups *fx = fixups_of ("arch", NULL);
  char *out = edit (fx, "etc/mkinitcpio.conf", "MODULES=\"\"\nHOOKS=\"base\"\n");

  CHECK_STR (out, "MODULES=\"xen-blkfront xen-netfront\"\nHOOKS=\"base\"\n");
  free (out);
  out = edit (fx, "etc/mkinitcpio.conf", "MODULES=(ext4)\n");
  CHECK_STR (out, "MODULES=(ext4 xen-blkfront xen-netfront)\n");
  free (out);
  out = edit (fx, "etc/mkinitcpio.conf", "MODULES=ext4\n");
  CHECK_STR (out, "MODULES=\"ext4 xen-blkfront xen-netfront\"\n");
  free (out);
  fg_fixups_free (fx);
}

/* Every profile, for every release it names, loads: each file its fixups
 * may touch is one inspection keeps (the dry run sees it). */
static void
test_every_profile_loads (void)
{
  static const char *const d[][2] = {
    { "debian", "7" }, { "ubuntu", "12.04" }, { "centos", "5" },
    { "rhel", "6" }, { "fedora", "17" }, { "opensuse", "12" },
    { "arch", NULL }, { "gentoo", "2" },
  };
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
    struct fg_fixups *fx = fixups_of (d[i][0], d[i][1]);
    CHECK (fx != NULL);
    fg_fixups_free (fx);
  }
}

/* The decision the dry run prints is the one convert executes. */
static void
test_decide (void)
{
  struct fg_fixups *fx = fixups_of ("debian", "7");

  CHECK (fg_fixups_initramfs_why (fx) == NULL);
  CHECK_INT (fg_fixups_decide_initramfs (fx, NULL, FG_REBUILD_AUTO), 0);
  CHECK_CONTAINS (fg_fixups_initramfs_why (fx), "block-level");
  CHECK_INT (fg_fixups_decide_initramfs (fx, NULL, FG_REBUILD_ALWAYS), 1);
  CHECK_CONTAINS (fg_fixups_initramfs_why (fx), "--initramfs rebuild");
  CHECK_INT (fg_fixups_decide_initramfs (fx, NULL, FG_REBUILD_NEVER), 0);
  CHECK_CONTAINS (fg_fixups_initramfs_why (fx), "--initramfs keep");
  {
    json_t *j = fg_fixups_json (fx);
    json_t *g = json_array_get (json_object_get (j, "pending"), 0);
    CHECK (json_is_false (json_object_get (g, "run")));
    CHECK_STR (json_string_value (json_object_get (g, "tool")),
               "initramfs-tools");
    CHECK_STR (json_string_value (json_object_get (g, "file")),
               "etc/initramfs-tools/modules");
    json_decref (j);
  }
  CHECK_INT (fg_fixups_decide_initramfs (NULL, NULL, FG_REBUILD_ALWAYS), 0);
  fg_fixups_free (fx);
}

/* The rest of the Debian profile: boot entries by UUID on hvc0, the
 * stale udev rules removed, hvc0 in securetty; a new file system UUID
 * followed; every change recorded for both reports. */
static void
test_debian_boot_udev_securetty (void)
{
  static const char new_uuid[] = "11111111-2222-4333-8444-555555555555";
  struct fg_fixups *fx = debian_fixups ();
  char *out, *printed = NULL;
  size_t plen = 0, len = 0;
  FILE *mem;

  CHECK (fx != NULL);
  if (fx == NULL)
    return;
  CHECK (fg_fixups_profile (fx) != NULL);
  CHECK_CONTAINS (fg_fixups_profile (fx), "debian");
  CHECK (fg_fixups_touches (fx, "boot/grub/menu.lst"));
  CHECK (fg_fixups_touches (fx, "etc/udev/rules.d/70-persistent-net.rules"));
  CHECK (!fg_fixups_touches (fx, "etc/passwd"));
  CHECK_INT (fg_fixups_set_fs (fx, new_uuid, "ext3"), 0);
  out = edit (fx, "boot/grub/menu.lst", "default 0\ntitle Debian\n"
              "root (hd0,0)\nkernel /boot/vmlinuz-3.2.0-4-amd64 "
              "root=/dev/sda1 ro console=tty0\n");
  CHECK_CONTAINS (out, "root=UUID=11111111-2222-4333-8444-555555555555");
  CHECK_CONTAINS (out, "console=hvc0");
  CHECK_CONTAINS (out, "net.ifnames=0");
  CHECK (out == NULL || strstr (out, "root=/dev/sda1") == NULL);
  free (out);
  out = edit (fx, "etc/fstab", "/dev/sda1 / ext3 defaults 0 1\n");
  CHECK_STR (out, "UUID=11111111-2222-4333-8444-555555555555\t/\text3\t"
             "defaults 0 1\n");
  free (out);
  out = NULL;
  CHECK_INT (fg_fixups_apply (fx, "etc/udev/rules.d/70-persistent-net.rules",
                              "x\n", 2, &out, &len), FG_FIX_REMOVE);
  CHECK (out == NULL);
  out = edit (fx, "etc/securetty", "console\ntty1\n");
  CHECK_CONTAINS (out, "\nhvc0\n");
  free (out);
  {
    json_t *j = fg_fixups_json (fx);
    json_t *ch = json_object_get (j, "changes");
    size_t i;
    json_t *c;
    int removed = 0;
    CHECK (json_array_size (ch) >= 4);
    json_array_foreach (ch, i, c)
      if (!strcmp (json_string_value (json_object_get (c, "action")),
                   "remove"))
        removed++;
    CHECK_INT (removed, 1);
    json_decref (j);
  }
  mem = open_memstream (&printed, &plen);
  if (mem) {
    fg_fixups_print (fx, mem);
    fclose (mem);
  }
  CHECK_CONTAINS (printed, "etc/udev/rules.d/70-persistent-net.rules");
  CHECK_CONTAINS (printed, "boot/grub/menu.lst");
  free (printed);
  fg_fixups_free (fx);
}

/* ext3 for kernels older than the profile's ext4_min_kernel. */
static void
test_choose_fs (void)
{
  static const char *const old[] = { "2.6.18-398.el5xen" };
  static const char *const mixed[] = { "2.6.32-5-amd64", "2.6.26-2-xen" };
  static const char *const new_[] = { "3.2.0-4-amd64" };
  struct fg_err e = FG_ERR_INIT;

  CHECK_STR (fg_fixups_choose_fs ("centos", old, 1, &e), "ext3");
  CHECK_STR (fg_fixups_choose_fs ("debian", new_, 1, &e), "ext4");
  CHECK_STR (fg_fixups_choose_fs ("debian", mixed, 2, &e), "ext3");
  CHECK (fg_fixups_choose_fs ("plan9", new_, 1, &e) == NULL);
}

/* No profile knows the distro: no fixups, a warning, not an error. */
static void
test_unknown_distro (void)
{
  struct fg_fixup_facts facts = { "plan9", UUID, "ext4", NULL, NULL, "4" };
  struct fg_fixups *fx = (struct fg_fixups *) 1;
  struct fg_err e = FG_ERR_INIT;
  unsigned warned = fg_warn_count ();

  CHECK_INT (fg_fixups_new (&fx, &facts, &e), 0);
  CHECK (fx == NULL);
  CHECK_INT (fg_warn_count (), warned + 1);
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
  RUN (test_el5_modprobe_not_dracut);
  RUN (test_el6_dracut);
  RUN (test_shell_var);
  RUN (test_every_profile_loads);
  RUN (test_decide);
  RUN (test_debian_boot_udev_securetty);
  RUN (test_choose_fs);
  RUN (test_unknown_distro);
  return TAP_DONE ();
}
