/* tests/unit/test_fsbuild.c --- a new ext4 built from members, read back
 *
 * A small file system is built through convert/fsbuild.h inside a VHD
 * (as the file-level converter does: the partition 1 MiB in): folders,
 * files with owners, modes and times, a folder tar never archived, short
 * and long symlinks, a hard link, a sparse file, device nodes, a FIFO, an
 * extended attribute, a POSIX ACL, a member that appears twice.  The
 * partition is then copied out through the VHD reader and checked by
 * e2fsck -fn (it must find nothing to fix) and read back with libext2fs,
 * field by field, against what the test put in.  Members the header says
 * are refused (a path through a symlink, a file over a folder, a hard
 * link to nothing or to a folder) must be input errors.
 */
#include <archive_entry.h>
#include <ext2fs/ext2fs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <uuid/uuid.h>
#include <unistd.h>

#include "convert/e2io.h"
#include "convert/fsbuild.h"
#include "source/vhd.h"
#include "tests/unit/tap.h"

#define MiB (1024u * 1024u)
#define PART_BASE MiB
#define PART_SIZE (64ull * MiB)
#define T0 1300000000

static char tmpdir[256];

/* ---- member data ------------------------------------------------------ */

struct piece {
  const void *buf;
  size_t len;
  int64_t off;
};

struct pieces {
  const struct piece *p;
  size_t n, next;
};

static int
pieces_data (void *opaque, const void **buf, size_t *len, int64_t *off,
             struct fg_err *e)
{
  struct pieces *s = opaque;

  (void) e;
  if (s->next == s->n)
    return 0;
  *buf = s->p[s->next].buf;
  *len = s->p[s->next].len;
  *off = s->p[s->next].off;
  s->next++;
  return 1;
}

static struct archive_entry *
entry (const char *path, unsigned type, unsigned perm, int64_t size)
{
  struct archive_entry *ent = archive_entry_new ();

  archive_entry_set_pathname (ent, path);
  archive_entry_set_filetype (ent, type);
  archive_entry_set_perm (ent, perm);
  archive_entry_set_size (ent, size);
  archive_entry_set_uid (ent, 0);
  archive_entry_set_gid (ent, 0);
  archive_entry_set_mtime (ent, T0, 0);
  archive_entry_set_atime (ent, T0, 0);
  archive_entry_set_ctime (ent, T0, 0);
  return ent;
}

/* Add a member (ENT is freed); the result of fg_fs_add. */
static int
add (struct fg_fs *fs, struct archive_entry *ent, const char *path,
     const char *link, const struct piece *p, size_t n, struct fg_err *e)
{
  struct pieces s = { p, n, 0 };
  char where[300];
  int rc;

  snprintf (where, sizeof where, "member '%s'", path);
  rc = fg_fs_add (fs, ent, path, link, pieces_data, &s, where, e);
  archive_entry_free (ent);
  return rc;
}

static int
add_file (struct fg_fs *fs, const char *path, unsigned perm, const void *buf,
          size_t len, struct fg_err *e)
{
  struct piece p = { buf, len, 0 };
  return add (fs, entry (path, AE_IFREG, perm, (int64_t) len), path, NULL,
              &p, len ? 1 : 0, e);
}

static int
add_simple (struct fg_fs *fs, const char *path, unsigned type, unsigned perm,
            struct fg_err *e)
{
  return add (fs, entry (path, type, perm, 0), path, NULL, NULL, 0, e);
}

static int
add_symlink (struct fg_fs *fs, const char *path, const char *target,
             struct fg_err *e)
{
  struct archive_entry *ent = entry (path, AE_IFLNK, 0777, 0);
  archive_entry_set_symlink (ent, target);
  return add (fs, ent, path, NULL, NULL, 0, e);
}

/* ---- the rig: a VHD with a partition, a file system in it ------------- */

struct rig {
  struct vhd_writer *w;
  struct fg_e2io_target t;
  struct fg_fs *fs;
  char vhd[512], img[512];
};

static int
rig_open (struct rig *r, const char *name, int ext3)
{
  struct vhd_writer_opts wo = { .kind = VHD_WRITE_DYNAMIC,
                                .size = PART_BASE + PART_SIZE };
  struct fg_fs_opts fo = { .ext3 = ext3, .label = "root",
                           .size = PART_SIZE, .inodes = 2048 };
  struct fg_err e = FG_ERR_INIT;

  memset (r, 0, sizeof *r);
  snprintf (r->vhd, sizeof r->vhd, "%s/%s.vhd", tmpdir, name);
  snprintf (r->img, sizeof r->img, "%s/%s.img", tmpdir, name);
  if (vhd_writer_open (&r->w, r->vhd, &wo, &e) < 0) {
    printf ("# %s\n", e.msg);
    return -1;
  }
  r->t.w = r->w;
  r->t.base = PART_BASE;
  r->t.size = PART_SIZE;
  if (fg_fs_create (&r->fs, &r->t, &fo, &e) < 0) {
    printf ("# %s\n", e.msg);
    vhd_writer_abort (r->w);
    return -1;
  }
  return 0;
}

/* Close the file system and the VHD; copy the partition out to r->img
 * through the reader. */
static int
rig_finish (struct rig *r, struct fg_fs_stats *st)
{
  struct fg_err e = FG_ERR_INIT;
  struct vhd_chain *c = NULL;
  uint8_t *buf = malloc (MiB);
  FILE *out = NULL;
  int rc = -1;

  if (fg_fs_close (r->fs, st, &e) < 0) {
    printf ("# %s\n", e.msg);
    vhd_writer_abort (r->w);
    free (buf);
    return -1;
  }
  if (vhd_writer_finish (r->w, NULL, &e) < 0 ||
      vhd_chain_open (&c, r->vhd, NULL, 0, &e) < 0 || buf == NULL ||
      (out = fopen (r->img, "w")) == NULL) {
    printf ("# %s\n", e.msg);
    goto out;
  }
  for (uint64_t off = 0; off < PART_SIZE; off += MiB)
    if (vhd_chain_read (c, buf, PART_BASE + off, MiB, &e) < 0 ||
        fwrite (buf, 1, MiB, out) != MiB)
      goto out;
  rc = 0;
out:
  if (out && fclose (out) != 0)
    rc = -1;
  vhd_chain_close (c);
  free (buf);
  return rc;
}

static void
rig_clean (struct rig *r)
{
  unlink (r->vhd);
  unlink (r->img);
}

/* ---- reading back ----------------------------------------------------- */

static int
get_inode (ext2_filsys fs, const char *path, ext2_ino_t *ino,
           struct ext2_inode_large *in)
{
  memset (in, 0, sizeof *in);
  if (ext2fs_namei (fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, ino) != 0) {
    printf ("#   '%s' is not in the file system\n", path);
    return -1;
  }
  return ext2fs_read_inode_full (fs, *ino, (struct ext2_inode *) in,
                                 sizeof *in) == 0 ? 0 : -1;
}

/* The bytes of inode INO (a file or a slow symlink), malloc'd. */
static char *
read_data (ext2_filsys fs, ext2_ino_t ino, size_t len)
{
  ext2_file_t f;
  unsigned got = 0;
  char *buf = calloc (1, len + 1);

  if (buf == NULL || ext2fs_file_open (fs, ino, 0, &f) != 0) {
    free (buf);
    return NULL;
  }
  if (ext2fs_file_read (f, buf, (unsigned) len, &got) != 0 || got != len) {
    free (buf);
    buf = NULL;
  }
  ext2fs_file_close (f);
  return buf;
}

static void
check_file (ext2_filsys fs, const char *path, unsigned mode, unsigned uid,
            const void *want, size_t len)
{
  struct ext2_inode_large in;
  ext2_ino_t ino;
  char *got;

  if (get_inode (fs, path, &ino, &in) < 0) {
    CHECK (!"file found");
    return;
  }
  CHECK_INT (in.i_mode, LINUX_S_IFREG | mode);
  CHECK_INT (inode_uid (in), uid);
  CHECK_U64 (EXT2_I_SIZE (&in), len);
  CHECK_INT (in.i_mtime, T0);
  got = read_data (fs, ino, len);
  CHECK (got != NULL);
  if (got)
    CHECK_MEM (got, want, len);
  free (got);
}

static void
check_symlink (ext2_filsys fs, const char *path, const char *target)
{
  struct ext2_inode_large in;
  ext2_ino_t ino;
  size_t len = strlen (target);

  if (get_inode (fs, path, &ino, &in) < 0) {
    CHECK (!"symlink found");
    return;
  }
  CHECK (LINUX_S_ISLNK (in.i_mode));
  CHECK_U64 (EXT2_I_SIZE (&in), len);
  if (ext2fs_is_fast_symlink ((struct ext2_inode *) &in)) {
    CHECK (len < sizeof in.i_block);
    CHECK_MEM (in.i_block, target, len);
  } else {
    char *got = read_data (fs, ino, len);
    CHECK (got != NULL);
    if (got)
      CHECK_STR (got, target);
    free (got);
  }
}

static int
run (const char *fmt, const char *arg)
{
  char cmd[1200];
  snprintf (cmd, sizeof cmd, fmt, arg);
  return system (cmd);
}

/* ---- tests ------------------------------------------------------------ */

static char secret[10000], tool[200 * 1024], sparse_a[4096], sparse_b[5000];
static const char long_target[] =
  "../../usr/share/a-folder-name-long-enough/to-need-a-block-of-its-own/"
  "because-fast-symlinks-hold-sixty-bytes";

static void
build_tree (struct fg_fs *fs, struct fg_err *e)
{
  struct piece sp[2] = { { sparse_a, sizeof sparse_a, 0 },
                         { sparse_b, sizeof sparse_b, 8 * MiB } };
  struct archive_entry *ent;

  CHECK_INT (add_simple (fs, "", AE_IFDIR, 0755, e), 0);
  CHECK_INT (add_simple (fs, "etc", AE_IFDIR, 0755, e), 0);
  CHECK_INT (add_file (fs, "etc/hostname", 0644, "web01\n", 6, e), 0);
  ent = entry ("etc/secret", AE_IFREG, 0600, sizeof secret);
  archive_entry_set_uid (ent, 1000);
  archive_entry_set_gid (ent, 1001);
  {
    struct piece p = { secret, sizeof secret, 0 };
    CHECK_INT (add (fs, ent, "etc/secret", NULL, &p, 1, e), 0);
  }
  /* usr/ and usr/bin/ were never archived: made on the way. */
  CHECK_INT (add_file (fs, "usr/bin/tool", 04755, tool, sizeof tool, e), 0);
  CHECK_INT (add (fs, entry ("usr/bin/tool2", AE_IFREG, 0755, 0),
                  "usr/bin/tool2", "usr/bin/tool", NULL, 0, e), 0);
  CHECK_INT (add_symlink (fs, "etc/link", "hostname", e), 0);
  CHECK_INT (add_symlink (fs, "etc/longlink", long_target, e), 0);
  /* Sparse as tar records it: the map in the header, the data pieces
   * at their offsets. */
  ent = entry ("var/sparse", AE_IFREG, 0644, 10 * MiB);
  archive_entry_sparse_add_entry (ent, 0, sizeof sparse_a);
  archive_entry_sparse_add_entry (ent, 8 * MiB, sizeof sparse_b);
  CHECK_INT (add (fs, ent, "var/sparse", NULL, sp, 2, e), 0);
  ent = entry ("dev/null", AE_IFCHR, 0666, 0);
  archive_entry_set_rdev (ent, makedev (1, 3));
  CHECK_INT (add (fs, ent, "dev/null", NULL, NULL, 0, e), 0);
  CHECK_INT (add_simple (fs, "run", AE_IFDIR, 01777, e), 0);
  CHECK_INT (add_simple (fs, "run/fifo", AE_IFIFO, 0600, e), 0);
  ent = entry ("etc/attr", AE_IFREG, 0640, 2);
  archive_entry_xattr_add_entry (ent, "user.comment", "hello", 5);
  archive_entry_acl_add_entry (ent, ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
                               ARCHIVE_ENTRY_ACL_READ,
                               ARCHIVE_ENTRY_ACL_USER, 1000, NULL);
  {
    struct piece p = { "a\n", 2, 0 };
    CHECK_INT (add (fs, ent, "etc/attr", NULL, &p, 1, e), 0);
  }
  /* Twice: the later copy wins, as with GNU tar, with a warning. */
  {
    unsigned warned = fg_warn_count ();
    CHECK_INT (add_file (fs, "etc/motd", 0644, "old\n", 4, e), 0);
    CHECK_INT (add_file (fs, "etc/motd", 0644, "new motd\n", 9, e), 0);
    CHECK_INT (fg_warn_count (), warned + 1);
  }
}

static void
check_tree (ext2_filsys fs)
{
  struct ext2_inode_large in;
  ext2_ino_t ino, ino2;

  CHECK_STR ((const char *) fs->super->s_volume_name, "root");
  CHECK (ext2fs_has_feature_extents (fs->super));
  CHECK (ext2fs_has_feature_journal (fs->super));
  CHECK (fs->super->s_inodes_count >= 2048);
  check_file (fs, "etc/hostname", 0644, 0, "web01\n", 6);
  check_file (fs, "etc/secret", 0600, 1000, secret, sizeof secret);
  if (get_inode (fs, "etc/secret", &ino, &in) == 0)
    CHECK_INT (inode_gid (in), 1001);
  check_file (fs, "usr/bin/tool", 04755, 0, tool, sizeof tool);
  check_file (fs, "etc/motd", 0644, 0, "new motd\n", 9);
  /* The hard link: one inode, two names. */
  if (get_inode (fs, "usr/bin/tool", &ino, &in) == 0 &&
      get_inode (fs, "usr/bin/tool2", &ino2, &in) == 0) {
    CHECK_INT (ino, ino2);
    CHECK_INT (in.i_links_count, 2);
  }
  if (get_inode (fs, "usr", &ino, &in) == 0)
    CHECK (LINUX_S_ISDIR (in.i_mode));
  if (get_inode (fs, "run", &ino, &in) == 0)
    CHECK_INT (in.i_mode, LINUX_S_IFDIR | 01777);
  check_symlink (fs, "etc/link", "hostname");
  check_symlink (fs, "etc/longlink", long_target);
  /* Sparse: 10 MiB long, three 4 KiB blocks of data (plus at most an
   * extent block), the hole reading as zeros. */
  if (get_inode (fs, "var/sparse", &ino, &in) == 0) {
    char *got = read_data (fs, ino, 10 * MiB);
    CHECK_U64 (EXT2_I_SIZE (&in), 10 * MiB);
    CHECK (ext2fs_get_stat_i_blocks (fs, (struct ext2_inode *) &in)
           <= 4 * 8);
    CHECK (got != NULL);
    if (got) {
      static const char zeros[4096];
      CHECK_MEM (got, sparse_a, sizeof sparse_a);
      CHECK_MEM (got + 8 * MiB, sparse_b, sizeof sparse_b);
      CHECK_MEM (got + 4 * MiB, zeros, sizeof zeros);
    }
    free (got);
  }
  if (get_inode (fs, "dev/null", &ino, &in) == 0) {
    CHECK_INT (in.i_mode, LINUX_S_IFCHR | 0666);
    /* Old-style device number in i_block[0]: major 1, minor 3. */
    CHECK (in.i_block[0] == 0x0103 || in.i_block[1] == 0x0103);
  }
  if (get_inode (fs, "run/fifo", &ino, &in) == 0)
    CHECK_INT (in.i_mode, LINUX_S_IFIFO | 0600);
  if (get_inode (fs, "etc/attr", &ino, &in) == 0) {
    struct ext2_xattr_handle *h = NULL;
    void *v = NULL;
    size_t vlen = 0;
    CHECK_INT (ext2fs_xattrs_open (fs, ino, &h), 0);
    CHECK_INT (ext2fs_xattrs_read (h), 0);
    CHECK_INT (ext2fs_xattr_get (h, "user.comment", &v, &vlen), 0);
    CHECK_U64 (vlen, 5);
    if (v)
      CHECK_MEM (v, "hello", 5);
    ext2fs_free_mem (&v);
    CHECK_INT (ext2fs_xattr_get (h, "system.posix_acl_access", &v, &vlen),
               0);
    CHECK (vlen > 4);
    ext2fs_free_mem (&v);
    ext2fs_xattrs_close (&h);
  }
}

static void
test_tree_reads_back (void)
{
  struct rig r;
  struct fg_err e = FG_ERR_INIT;
  struct fg_fs_stats st;
  ext2_filsys fs = NULL;
  char uuid[37], uuid2[37];

  for (size_t i = 0; i < sizeof secret; i++)
    secret[i] = (char) ('a' + i % 26);
  for (size_t i = 0; i < sizeof tool; i++)
    tool[i] = (char) (i * 7 + (i >> 12));
  memset (sparse_a, 'A', sizeof sparse_a);
  memset (sparse_b, 'B', sizeof sparse_b);
  if (rig_open (&r, "tree", 0) < 0) {
    CHECK (!"rig opened");
    return;
  }
  fg_fs_uuid (r.fs, uuid);
  CHECK_INT (strlen (uuid), 36);
  build_tree (r.fs, &e);
  memset (&st, 0, sizeof st);
  CHECK_INT (rig_finish (&r, &st), 0);
  /* Regular file members added: the replaced first motd counts too. */
  CHECK_INT (st.files, 7);
  CHECK_INT (st.symlinks, 2);
  CHECK_INT (st.hardlinks, 1);
  CHECK_U64 (st.data_bytes, 6 + sizeof secret + sizeof tool
             + sizeof sparse_a + sizeof sparse_b + 2 + 4 + 9);
  CHECK_INT (st.specials, 2);
  CHECK (st.dirs >= 5);             /* etc usr usr/bin var dev run */
  uuid_unparse (st.uuid, uuid2);
  CHECK_STR (uuid2, uuid);

  /* e2fsck finds nothing to fix; debugfs agrees on a symlink. */
  CHECK_INT (run ("e2fsck -fn '%s' >/dev/null 2>&1", r.img), 0);
  CHECK_INT (run ("debugfs -R 'stat /etc/link' '%s' 2>/dev/null | "
                  "grep -q 'Fast link dest: \"hostname\"'", r.img), 0);
  CHECK_INT (ext2fs_open (r.img, 0, 0, 0, unix_io_manager, &fs), 0);
  if (fs) {
    uuid_unparse (fs->super->s_uuid, uuid2);
    CHECK_STR (uuid2, uuid);
    check_tree (fs);
    ext2fs_close_free (&fs);
  }
  rig_clean (&r);
}

/* ext3 for the old kernels: no extents, still clean and readable. */
static void
test_ext3 (void)
{
  struct rig r;
  struct fg_err e = FG_ERR_INIT;
  struct fg_fs_stats st;
  ext2_filsys fs = NULL;

  if (rig_open (&r, "ext3", 1) < 0) {
    CHECK (!"rig opened");
    return;
  }
  CHECK_INT (add_simple (r.fs, "etc", AE_IFDIR, 0755, &e), 0);
  CHECK_INT (add_file (r.fs, "etc/big", 0644, tool, sizeof tool, &e), 0);
  CHECK_INT (rig_finish (&r, &st), 0);
  CHECK_INT (run ("e2fsck -fn '%s' >/dev/null 2>&1", r.img), 0);
  CHECK_INT (ext2fs_open (r.img, 0, 0, 0, unix_io_manager, &fs), 0);
  if (fs) {
    CHECK (!ext2fs_has_feature_extents (fs->super));
    CHECK (ext2fs_has_feature_journal (fs->super));
    check_file (fs, "etc/big", 0644, 0, tool, sizeof tool);
    ext2fs_close_free (&fs);
  }
  rig_clean (&r);
}

static void
test_refused_members (void)
{
  struct rig r;
  struct fg_err e = FG_ERR_INIT;
  struct fg_fs_stats st;

  if (rig_open (&r, "bad", 0) < 0) {
    CHECK (!"rig opened");
    return;
  }
  CHECK_INT (add_simple (r.fs, "etc", AE_IFDIR, 0755, &e), 0);
  CHECK_INT (add_symlink (r.fs, "lnk", "/etc", &e), 0);
  /* Through a symlink: never followed. */
  CHECK_INT (add_file (r.fs, "lnk/passwd", 0644, "x", 1, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "a symlink");
  CHECK_CONTAINS (e.msg, "member 'lnk/passwd'");
  /* A file where a folder is. */
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (add_file (r.fs, "etc", 0644, "x", 1, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "replaces a folder");
  /* Hard links to nothing, or to a folder. */
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (add (r.fs, entry ("h1", AE_IFREG, 0644, 0), "h1", "nope", NULL,
                  0, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "not (yet) in the image");
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (add (r.fs, entry ("h2", AE_IFREG, 0644, 0), "h2", "etc", NULL,
                  0, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "folder");
  /* ".." never climbs out (fileconv refuses it earlier, as input). */
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (add_file (r.fs, "etc/../evil", 0644, "x", 1, &e), -1);
  /* The root must be a folder. */
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (add_file (r.fs, "", 0644, "x", 1, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  /* A folder where a file is. */
  CHECK_INT (add_file (r.fs, "etc/f", 0644, "x", 1, &e), 0);
  e = (struct fg_err) FG_ERR_INIT;
  CHECK_INT (add_simple (r.fs, "etc/f", AE_IFDIR, 0755, &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  /* Nothing refused damaged the file system. */
  CHECK_INT (rig_finish (&r, &st), 0);
  CHECK_INT (run ("e2fsck -fn '%s' >/dev/null 2>&1", r.img), 0);
  rig_clean (&r);
}

/* A file system too small for its data says so as an input error. */
static void
test_full (void)
{
  struct rig r;
  struct fg_err e = FG_ERR_INIT;
  static char big[8 * MiB];
  int failed = 0;

  if (rig_open (&r, "full", 0) < 0) {
    CHECK (!"rig opened");
    return;
  }
  for (int i = 0; i < 10 && !failed; i++) {
    char name[32];
    snprintf (name, sizeof name, "f%d", i);
    failed = add_file (r.fs, name, 0644, big, sizeof big, &e) < 0;
  }
  CHECK (failed);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "full");
  fg_fs_abort (r.fs);
  vhd_writer_abort (r.w);
  rig_clean (&r);
}

static void
test_blocks_bytes (void)
{
  CHECK_U64 (fg_fs_blocks_bytes (0), 0);
  CHECK (fg_fs_blocks_bytes (1) >= 4096);
  CHECK (fg_fs_blocks_bytes (4096) >= 4096);
  CHECK (fg_fs_blocks_bytes (4097) >= 8192);
  CHECK (fg_fs_blocks_bytes (100 * MiB) >= 100 * MiB);
  CHECK (fg_fs_blocks_bytes (100 * MiB) < 101 * MiB);
}

int
main (void)
{
  const char *base = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";

  snprintf (tmpdir, sizeof tmpdir, "%s/test_fsbuild.XXXXXX", base);
  if (mkdtemp (tmpdir) == NULL) {
    printf ("Bail out! cannot make a temporary folder\n");
    return 1;
  }
  if (system ("e2fsck -V >/dev/null 2>&1") != 0 &&
      system ("/sbin/e2fsck -V >/dev/null 2>&1") != 0) {
    printf ("Bail out! e2fsck is not installed (make deps)\n");
    return 1;
  }
  RUN (test_tree_reads_back);
  RUN (test_ext3);
  RUN (test_refused_members);
  RUN (test_full);
  RUN (test_blocks_bytes);
  rmdir (tmpdir);
  return TAP_DONE ();
}
