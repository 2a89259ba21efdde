/* convert/fsbuild.c --- mkfs and populate, streaming, with libext2fs
 *
 * The steps of mke2fs (misc/mke2fs.c: initialize, allocate tables, root
 * and lost+found, reserved inodes, bad-block and resize inodes, journal)
 * and of its -d option (misc/create_inode.c), rewritten for a tar stream:
 * a member's data is written once, in large runs, straight to the blocks
 * that ext2fs_fallocate() gave it, instead of one block per call.
 *
 * Inode tables are never written: the disk is a fresh VHD whose
 * unallocated blocks read as zeros, so every group is marked
 * INODE_ZEROED, as mke2fs does after zeroing them itself.
 */
#include "convert/fsbuild.h"
#include "convert/dirindex.h"

#include <archive.h>
#include <errno.h>
#include <et/com_err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <uuid/uuid.h>

#define BS 4096u
#define MAX_NAME 255
#define MAX_SYMLINK 4095

struct extent_run {
  blk64_t lblk, pblk;
  blk64_t len;
};

struct fg_fs {
  ext2_filsys fs;
  struct fg_e2io_target *t;
  int ext4;
  char *cache_dir;            /* the last parent folder resolved ... */
  ext2_ino_t cache_ino;       /* ... and its inode */
  struct fg_dirindex *names;  /* the folders made here, by name */
  struct extent_run *runs;    /* the current file's block map */
  size_t nruns, cap_runs;
  struct fg_fs_stats st;
  struct acl *pending;        /* ACLs with names to resolve */
};

uint64_t
fg_fs_blocks_bytes (uint64_t size)
{
  return (size + BS - 1) / BS * BS;
}

/* One error from libext2fs: the I/O detail if the VHD failed under it,
 * else libext2fs's own words. */
static int FG_PRINTF(4, 5)
fs_error (struct fg_fs *f, errcode_t rc, struct fg_err *e, const char *fmt,
          ...)
{
  char what[1024];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  if (fg_err_is_set (&f->t->err)) {
    *e = f->t->err;
    return fg_err_prefix (e, "%s", what);
  }
  if (rc == EXT2_ET_BLOCK_ALLOC_FAIL || rc == EXT2_ET_INODE_ALLOC_FAIL ||
      rc == EXT2_ET_DIR_NO_SPACE) {
    fg_err_set (e, FG_E_INPUT, "%s: the new file system is full (%s)", what,
                error_message (rc));
    fg_err_hint (e, "give more room with --headroom or --fs-size");
    return -1;
  }
  /* Attributes are the customer's: ext4 keeps at most one block of them
   * per file, names of at most 255 bytes. */
  if (rc == EXT2_ET_EA_NO_SPACE || rc == EXT2_ET_EA_BAD_NAME_LEN ||
      rc == EXT2_ET_EA_BAD_VALUE_SIZE || rc == EXT2_ET_EA_KEY_NOT_FOUND) {
    fg_err_set (e, FG_E_INPUT, "%s: more than ext4 can hold (%s)", what,
                error_message (rc));
    fg_err_hint (e, "remove or shrink that file's extended attributes or "
                 "ACL on the server and save the image again");
    return -1;
  }
  return fg_err_set (e, FG_E_INTERNAL, "%s: %s", what, error_message (rc));
}

static int
init_super (struct ext2_super_block *p, const struct fg_fs_opts *o)
{
  uint64_t blocks = o->size / BS;

  memset (p, 0, sizeof *p);
  ext2fs_blocks_count_set (p, blocks);
  p->s_log_block_size = 2;                     /* 4 KiB */
  p->s_rev_level = EXT2_DYNAMIC_REV;
  p->s_inode_size = 256;
  p->s_inodes_count = o->inodes > UINT32_MAX / 2 ? UINT32_MAX / 2
    : (uint32_t) o->inodes;
  ext2fs_r_blocks_count_set (p, blocks * 5 / 100);
  ext2fs_set_feature_dir_index (p);
  ext2fs_set_feature_xattr (p);
  ext2fs_set_feature_resize_inode (p);
  ext2fs_set_feature_filetype (p);
  ext2fs_set_feature_sparse_super (p);
  ext2fs_set_feature_large_file (p);
  if (!o->ext3) {
    /* ext4 as e2fsprogs 1.41 made it: what the kernels of the first-gen
     * era (2.6.28 and later) mount.  No metadata_csum or 64bit, which
     * they do not know. */
    ext2fs_set_feature_extents (p);
    ext2fs_set_feature_flex_bg (p);
    ext2fs_set_feature_huge_file (p);
    ext2fs_set_feature_dir_nlink (p);
    ext2fs_set_feature_extra_isize (p);
    ext2fs_set_feature_gdt_csum (p);
    p->s_log_groups_per_flex = 4;
  }
  return 0;
}

static errcode_t
make_lost_found (ext2_filsys fs, ext2_ino_t *out)
{
  ext2_ino_t ino = 0;
  errcode_t rc;

  fs->umask = 077;
  rc = ext2fs_mkdir (fs, EXT2_ROOT_INO, 0, "lost+found");
  fs->umask = 022;
  if (rc == 0)
    rc = ext2fs_lookup (fs, EXT2_ROOT_INO, "lost+found", 10, NULL, &ino);
  /* e2fsck wants room in lost+found without allocating: 16 KiB. */
  for (unsigned size = BS; rc == 0 && size < 16384; size += BS)
    rc = ext2fs_expand_dir (fs, ino);
  *out = ino;
  return rc;
}

static errcode_t
make_special_inodes (ext2_filsys fs)
{
  struct ext2fs_journal_params jp;
  errcode_t rc;

  for (ext2_ino_t i = EXT2_ROOT_INO + 1; i < EXT2_FIRST_INODE (fs->super); i++)
    ext2fs_inode_alloc_stats2 (fs, i, +1, 0);
  ext2fs_mark_ib_dirty (fs);
  ext2fs_mark_inode_bitmap2 (fs->inode_map, EXT2_BAD_INO);
  ext2fs_inode_alloc_stats2 (fs, EXT2_BAD_INO, +1, 0);
  if ((rc = ext2fs_update_bb_inode (fs, NULL)) != 0)
    return rc;
  if (ext2fs_has_feature_resize_inode (fs->super) &&
      (rc = ext2fs_create_resize_inode (fs)) != 0)
    return rc;
  if ((rc = ext2fs_get_journal_params (&jp, fs)) != 0)
    return rc;
  /* LAZYINIT: the journal's blocks are never written, so they read as
   * the zeros of the fresh VHD. */
  return ext2fs_add_journal_inode3 (fs, &jp, ~0ULL,
                                    EXT2_MKJOURNAL_LAZYINIT |
                                    EXT2_MKJOURNAL_NO_MNT_CHECK);
}

int
fg_fs_create (struct fg_fs **out, struct fg_e2io_target *t,
              const struct fg_fs_opts *o, struct fg_err *e)
{
  struct ext2_super_block param;
  struct fg_fs *f = calloc (1, sizeof *f);
  char name[64];
  errcode_t rc;
  const char *step;
  ext2_ino_t lf;

  *out = NULL;
  if (f == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "file system");
  f->t = t;
  f->ext4 = !o->ext3;
  initialize_ext2_error_table ();
  init_super (&param, o);
  fg_e2io_name (t, name, sizeof name);
  step = "setting up the superblock";
  rc = ext2fs_initialize (name, EXT2_FLAG_64BITS, &param, fg_e2io_manager (),
                          &f->fs);
  if (rc)
    goto fail;
  uuid_generate (f->fs->super->s_uuid);
  ext2fs_init_csum_seed (f->fs);
  uuid_generate ((unsigned char *) f->fs->super->s_hash_seed);
  f->fs->super->s_def_hash_version = EXT2_HASH_HALF_MD4;
  f->fs->super->s_max_mnt_count = -1;
  if (f->ext4)
    f->fs->super->s_kbytes_written = 1;
  if (o->label)
    strncpy ((char *) f->fs->super->s_volume_name, o->label,
             sizeof f->fs->super->s_volume_name);
  step = "allocating group tables";
  if ((rc = ext2fs_allocate_tables (f->fs)) != 0 ||
      (rc = ext2fs_convert_subcluster_bitmap (f->fs, &f->fs->block_map)) != 0)
    goto fail;
  for (dgrp_t g = 0; g < f->fs->group_desc_count; g++) {
    ext2fs_bg_flags_set (f->fs, g, EXT2_BG_INODE_ZEROED);
    ext2fs_group_desc_csum_set (f->fs, g);
  }
  step = "creating the root folder";
  if ((rc = ext2fs_mkdir (f->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, 0)) != 0)
    goto fail;
  step = "creating lost+found";
  if ((rc = make_lost_found (f->fs, &lf)) != 0)
    goto fail;
  /* 8 MiB of names: about a hundred thousand entries, in whatever folders
   * are being filled; older folders fall back to libext2fs's lookups. */
  f->names = fg_dirindex_new ((size_t) 8 << 20);
  fg_dirindex_track (f->names, EXT2_ROOT_INO);
  fg_dirindex_add (f->names, EXT2_ROOT_INO, "lost+found", lf);
  step = "creating the journal and reserved inodes";
  if ((rc = make_special_inodes (f->fs)) != 0)
    goto fail;
  memcpy (f->st.uuid, f->fs->super->s_uuid, 16);
  *out = f;
  return 0;

fail:
  fs_error (f, rc, e, "%s", step);
  fg_fs_abort (f);
  return -1;
}

/* ---- paths ---------------------------------------------------------- */

static int
is_dir (ext2_filsys fs, ext2_ino_t ino, int *dir, struct ext2_inode *inode)
{
  errcode_t rc = ext2fs_read_inode (fs, ino, inode);
  if (rc)
    return (int) rc;
  *dir = LINUX_S_ISDIR (inode->i_mode);
  return 0;
}

static errcode_t
link_expanding (ext2_filsys fs, ext2_ino_t dir, const char *name,
                ext2_ino_t ino, int type)
{
  errcode_t rc = ext2fs_link (fs, dir, name, ino, type);

  if (rc == EXT2_ET_DIR_NO_SPACE) {
    rc = ext2fs_expand_dir (fs, dir);
    if (rc == 0)
      rc = ext2fs_link (fs, dir, name, ino, type);
  }
  return rc;
}

/* NAME in DIR: from the index when it knows DIR, else libext2fs reads
 * the folder. */
static errcode_t
lookup (struct fg_fs *f, ext2_ino_t dir, const char *name, size_t len,
        ext2_ino_t *ino)
{
  uint32_t found;
  int rc = fg_dirindex_find (f->names, dir, name, len, &found);

  if (rc == 1) {
    *ino = found;
    return 0;
  }
  if (rc == 0)
    return EXT2_ET_FILE_NOT_FOUND;
  return ext2fs_lookup (f->fs, dir, name, (int) len, NULL, ino);
}

/* A new folder NAME in PARENT, its inode chosen here so that nothing has
 * to look it up afterwards; indexed from birth. */
static errcode_t
make_dir (struct fg_fs *f, ext2_ino_t parent, const char *name,
          ext2_ino_t *ino)
{
  errcode_t rc = ext2fs_new_inode (f->fs, parent, LINUX_S_IFDIR | 0755, NULL,
                                   ino);

  if (rc == 0)
    rc = ext2fs_mkdir (f->fs, parent, *ino, name);
  if (rc == EXT2_ET_DIR_NO_SPACE) {
    rc = ext2fs_expand_dir (f->fs, parent);
    if (rc == 0)
      rc = ext2fs_mkdir (f->fs, parent, *ino, name);
  }
  if (rc == 0) {
    fg_dirindex_track (f->names, *ino);
    fg_dirindex_add (f->names, parent, name, *ino);
  }
  return rc;
}

/* Walk DIR (a '/'-separated relative path, "" for the root) from the
 * root without following symlinks; create missing folders if CREATE, as
 * tar does for members whose folders were not archived. */
static int
walk_dir (struct fg_fs *f, const char *dir, int create, ext2_ino_t *out,
          const char *where, struct fg_err *e)
{
  ext2_ino_t cur = EXT2_ROOT_INO;
  const char *p = dir;

  if (f->cache_dir && strcmp (f->cache_dir, dir) == 0) {
    *out = f->cache_ino;
    return 0;
  }
  while (*p) {
    const char *slash = strchr (p, '/');
    size_t len = slash ? (size_t) (slash - p) : strlen (p);
    char name[MAX_NAME + 1];
    ext2_ino_t next;
    struct ext2_inode inode;
    int isdir = 0;
    errcode_t rc;

    /* Callers check member names, but this buffer is filled here. */
    if (len > MAX_NAME)
      return fg_err_set (e, FG_E_INPUT, "%s: a folder name of %zu bytes "
                         "(ext4 allows %d)", where, len, MAX_NAME);
    memcpy (name, p, len);
    name[len] = '\0';
    rc = lookup (f, cur, name, len, &next);
    if (rc == EXT2_ET_FILE_NOT_FOUND && create) {
      if ((rc = make_dir (f, cur, name, &next)) != 0)
        return fs_error (f, rc, e, "%s: creating folder '%.*s'", where,
                         (int) (p - dir + (ptrdiff_t) len), dir);
      f->st.dirs++;
    } else if (rc == EXT2_ET_FILE_NOT_FOUND)
      return fg_err_set (e, FG_E_INPUT, "%s: '%.*s' is not in the image",
                         where, (int) (p - dir + (ptrdiff_t) len), dir);
    else if (rc)
      return fs_error (f, rc, e, "%s: looking up '%s'", where, name);
    if ((rc = is_dir (f->fs, next, &isdir, &inode)) != 0)
      return fs_error (f, rc, e, "%s: reading inode %u", where, next);
    if (!isdir)
      return fg_err_set (e, FG_E_INPUT, "%s: path goes through '%.*s', "
                         "which is %s, not a folder", where,
                         (int) (p - dir + (ptrdiff_t) len), dir,
                         LINUX_S_ISLNK (inode.i_mode) ? "a symlink"
                         : "a file");
    cur = next;
    p += len;
    if (*p == '/')
      p++;
  }
  free (f->cache_dir);
  f->cache_dir = strdup (dir);
  f->cache_ino = cur;
  *out = cur;
  return 0;
}

/* PATH -> parent folder inode and leaf name (pointing into PATH). */
static int
split_path (struct fg_fs *f, const char *path, ext2_ino_t *parent,
            const char **leaf, const char *where, struct fg_err *e)
{
  const char *slash = strrchr (path, '/');
  char *dir;
  int rc;

  *leaf = slash ? slash + 1 : path;
  if (strlen (*leaf) > MAX_NAME)
    return fg_err_set (e, FG_E_INPUT, "%s: name of %zu bytes (ext4 allows "
                       "255)", where, strlen (*leaf));
  dir = slash ? strndup (path, (size_t) (slash - path)) : strdup ("");
  if (dir == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "path");
  rc = walk_dir (f, dir, 1, parent, where, e);
  free (dir);
  return rc;
}

/* 1 if NAME exists in DIR (its inode in *INO), 0 if not. */
static int
exists (struct fg_fs *f, ext2_ino_t dir, const char *name, ext2_ino_t *ino,
        const char *where, struct fg_err *e)
{
  errcode_t rc = lookup (f, dir, name, strlen (name), ino);

  if (rc == EXT2_ET_FILE_NOT_FOUND)
    return 0;
  if (rc)
    return fs_error (f, rc, e, "%s: looking up '%s'", where, name);
  return 1;
}

/* ---- attributes ------------------------------------------------------ */

static void
set_time (__u32 *sec_field, __u32 *extra, int64_t sec, long nsec)
{
  *sec_field = (__u32) sec;
  /* In unsigned arithmetic: a pax mtime of 2^63 - 1 overflowed the signed
   * subtraction (UB).  The epoch bits are the same for every other time;
   * a time outside ext4's range still wraps, as it did. */
  if (extra)
    *extra = (__u32) (((((uint64_t) sec - (uint64_t) (int64_t) (int32_t) sec)
                        >> 32) & EXT4_EPOCH_MASK) |
                      ((__u32) nsec << EXT4_EPOCH_BITS));
}

/* The permissions of the access ACL's mask entry, or -1.  With an
 * extended ACL the group bits of the mode are the mask (acl(5)); the
 * tar header has them so, but libarchive rewrites them from group::. */
static int
acl_mask (struct archive_entry *ent)
{
  int type, perm, tag, id, mask = -1;
  const char *name;

  if (archive_entry_acl_reset (ent, ARCHIVE_ENTRY_ACL_TYPE_ACCESS) <= 0)
    return -1;
  while (archive_entry_acl_next (ent, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, &type,
                                 &perm, &tag, &id, &name) == ARCHIVE_OK)
    if (tag == ARCHIVE_ENTRY_ACL_MASK)
      mask = ((perm & ARCHIVE_ENTRY_ACL_READ) ? 4 : 0) |
        ((perm & ARCHIVE_ENTRY_ACL_WRITE) ? 2 : 0) |
        ((perm & ARCHIVE_ENTRY_ACL_EXECUTE) ? 1 : 0);
  return mask;
}

/* Owner, permission bits (setuid/setgid/sticky included) and times from
 * the tar header, onto inode INO whose type stays as it is. */
static void
fill_attrs (struct ext2_inode_large *in, struct archive_entry *ent,
            int large)
{
  int mask = acl_mask (ent);
  la_int64_t uid = archive_entry_uid (ent), gid = archive_entry_gid (ent);
  int64_t mt = archive_entry_mtime (ent);
  long mtn = archive_entry_mtime_nsec (ent);

  in->i_uid = (__u16) uid;
  ext2fs_set_i_uid_high (*in, (__u16) (uid >> 16));
  in->i_gid = (__u16) gid;
  ext2fs_set_i_gid_high (*in, (__u16) (gid >> 16));
  in->i_mode = (__u16) ((in->i_mode & LINUX_S_IFMT) |
                        (archive_entry_mode (ent) & 07777));
  if (mask >= 0)
    in->i_mode = (__u16) ((in->i_mode & ~0070) | (mask << 3));
  set_time (&in->i_mtime, large ? &in->i_mtime_extra : NULL, mt, mtn);
  if (archive_entry_atime_is_set (ent))
    set_time (&in->i_atime, large ? &in->i_atime_extra : NULL,
              archive_entry_atime (ent), archive_entry_atime_nsec (ent));
  else
    set_time (&in->i_atime, large ? &in->i_atime_extra : NULL, mt, mtn);
  if (archive_entry_ctime_is_set (ent))
    set_time (&in->i_ctime, large ? &in->i_ctime_extra : NULL,
              archive_entry_ctime (ent), archive_entry_ctime_nsec (ent));
  else
    set_time (&in->i_ctime, large ? &in->i_ctime_extra : NULL, mt, mtn);
}

static int
inode_is_large (ext2_filsys fs)
{
  return EXT2_INODE_SIZE (fs->super) > EXT2_GOOD_OLD_INODE_SIZE;
}

static errcode_t
read_large (ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *in)
{
  memset (in, 0, sizeof *in);
  return ext2fs_read_inode_full (fs, ino, (struct ext2_inode *) in,
                                 sizeof *in);
}

static errcode_t
write_large (ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *in)
{
  if (inode_is_large (fs) && in->i_extra_isize == 0)
    in->i_extra_isize = fs->super->s_want_extra_isize;
  return ext2fs_write_inode_full (fs, ino, (struct ext2_inode *) in,
                                  sizeof *in);
}

static int
apply_attrs (struct fg_fs *f, ext2_ino_t ino, struct archive_entry *ent,
             const char *where, struct fg_err *e)
{
  struct ext2_inode_large in;
  errcode_t rc = read_large (f->fs, ino, &in);

  if (rc == 0) {
    fill_attrs (&in, ent, inode_is_large (f->fs));
    rc = write_large (f->fs, ino, &in);
  }
  return rc ? fs_error (f, rc, e, "%s: setting owner, mode and times", where)
    : 0;
}

/* A POSIX ACL as the archive gave it.  GNU tar writes named entries
 * ("group:adm:r-x") without their ids; those are resolved against the
 * image's own /etc/passwd and /etc/group, never the host's, once the
 * whole archive is in (see resolve_pending). */
struct acl_entry {
  uint16_t tag;               /* Linux ACL_USER_OBJ ... ACL_OTHER */
  uint16_t perm;              /* rwx as 4, 2, 1 */
  uint32_t id;
  char *name;                 /* for a named entry whose id is unknown */
};

struct acl {
  ext2_ino_t ino;
  const char *xname;          /* system.posix_acl_access or _default */
  struct acl_entry *e;
  size_t n;
  int unresolved;
  struct acl *next;
};

static void
acl_free (struct acl *a)
{
  if (a == NULL)
    return;
  for (size_t i = 0; i < a->n; i++)
    free (a->e[i].name);
  free (a->e);
  free (a);
}

/* The ACL of TYPE, or NULL when there is none worth storing (an access
 * ACL of only user::, group::, other:: is the mode itself). */
static struct acl *
collect_acl (struct archive_entry *ent, int type, const char *xname,
             struct fg_err *e)
{
  int atype, perm, tag, id, extended = 0, count;
  const char *name;
  struct acl *a;

  count = archive_entry_acl_reset (ent, type);
  if (count <= 0)
    return NULL;
  a = calloc (1, sizeof *a);
  if (a == NULL || (a->e = calloc ((size_t) count + 4, sizeof *a->e)) == NULL) {
    free (a);
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "ACL");
    return NULL;
  }
  a->xname = xname;
  while (archive_entry_acl_next (ent, type, &atype, &perm, &tag, &id,
                                 &name) == ARCHIVE_OK &&
         a->n < (size_t) count + 4) {
    struct acl_entry *x = &a->e[a->n];
    x->id = 0xFFFFFFFFu;
    switch (tag) {
    case ARCHIVE_ENTRY_ACL_USER_OBJ: x->tag = 0x01; break;
    case ARCHIVE_ENTRY_ACL_USER: x->tag = 0x02; extended = 1; break;
    case ARCHIVE_ENTRY_ACL_GROUP_OBJ: x->tag = 0x04; break;
    case ARCHIVE_ENTRY_ACL_GROUP: x->tag = 0x08; extended = 1; break;
    case ARCHIVE_ENTRY_ACL_MASK: x->tag = 0x10; extended = 1; break;
    case ARCHIVE_ENTRY_ACL_OTHER: x->tag = 0x20; break;
    default: continue;
    }
    x->perm = (uint16_t) (((perm & ARCHIVE_ENTRY_ACL_READ) ? 4 : 0) |
                          ((perm & ARCHIVE_ENTRY_ACL_WRITE) ? 2 : 0) |
                          ((perm & ARCHIVE_ENTRY_ACL_EXECUTE) ? 1 : 0));
    if (x->tag == 0x02 || x->tag == 0x08) {
      if (id >= 0)
        x->id = (uint32_t) id;
      else if (name && (x->name = strdup (name)) != NULL)
        a->unresolved = 1;
    }
    a->n++;
  }
  if (a->n == 0 || (type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS && !extended)) {
    acl_free (a);
    return NULL;
  }
  return a;
}

static int
cmp_acl_entry (const void *x, const void *y)
{
  const struct acl_entry *a = x, *b = y;
  if (a->tag != b->tag)
    return a->tag < b->tag ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Linux's system.posix_acl_* value: version 2, then tag/perm/id entries
 * (little-endian) sorted by tag and id; libext2fs turns it into ext4's
 * on-disk form. */
static size_t
encode_acl (struct acl *a, uint8_t *buf)
{
  size_t len = 4;

  qsort (a->e, a->n, sizeof *a->e, cmp_acl_entry);
  buf[0] = 2; buf[1] = 0; buf[2] = 0; buf[3] = 0;
  for (size_t i = 0; i < a->n; i++, len += 8) {
    buf[len] = (uint8_t) a->e[i].tag; buf[len + 1] = 0;
    buf[len + 2] = (uint8_t) a->e[i].perm; buf[len + 3] = 0;
    buf[len + 4] = (uint8_t) a->e[i].id;
    buf[len + 5] = (uint8_t) (a->e[i].id >> 8);
    buf[len + 6] = (uint8_t) (a->e[i].id >> 16);
    buf[len + 7] = (uint8_t) (a->e[i].id >> 24);
  }
  return len;
}

static int
set_acl (struct fg_fs *f, struct ext2_xattr_handle *h, struct acl *a,
         const char *where, struct fg_err *e)
{
  uint8_t *buf = malloc (4 + 8 * a->n);
  errcode_t rc;

  if (buf == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "ACL");
  rc = ext2fs_xattr_set (h, a->xname, buf, encode_acl (a, buf));
  free (buf);
  return rc ? fs_error (f, rc, e, "%s: ACL", where) : 0;
}

static int
apply_xattrs (struct fg_fs *f, ext2_ino_t ino, struct archive_entry *ent,
              const char *where, struct fg_err *e)
{
  struct ext2_xattr_handle *h = NULL;
  const char *name;
  const void *value;
  size_t size;
  int n_x = archive_entry_xattr_count (ent);
  int n_acl = archive_entry_acl_count (ent, ARCHIVE_ENTRY_ACL_TYPE_POSIX1E);
  errcode_t rc;
  int rv = 0;

  if (n_x == 0 && n_acl == 0)
    return 0;
  if ((rc = ext2fs_xattrs_open (f->fs, ino, &h)) != 0 ||
      (rc = ext2fs_xattrs_read (h)) != 0) {
    if (h)
      ext2fs_xattrs_close (&h);
    return fs_error (f, rc, e, "%s: reading extended attributes", where);
  }
  archive_entry_xattr_reset (ent);
  while (archive_entry_xattr_next (ent, &name, &value, &size) == ARCHIVE_OK) {
    if ((rc = ext2fs_xattr_set (h, name, value, size)) != 0) {
      rv = fs_error (f, rc, e, "%s: extended attribute '%s' (%zu bytes)",
                     where, name, size);
      goto out;
    }
  }
  {
    static const struct { int type; const char *xname; } kinds[2] = {
      { ARCHIVE_ENTRY_ACL_TYPE_ACCESS, "system.posix_acl_access" },
      { ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, "system.posix_acl_default" },
    };
    for (int k = 0; k < 2 && n_acl > 0; k++) {
      struct acl *a = collect_acl (ent, kinds[k].type, kinds[k].xname, e);
      if (a == NULL) {
        if (fg_err_is_set (e)) {
          rv = -1;
          goto out;
        }
        continue;
      }
      if (a->unresolved) {
        a->ino = ino;           /* names resolved at the end */
        a->next = f->pending;
        f->pending = a;
        continue;
      }
      rv = set_acl (f, h, a, where, e);
      acl_free (a);
      if (rv < 0)
        goto out;
    }
  }
out:
  rc = ext2fs_xattrs_close (&h);
  if (rc && rv == 0)
    rv = fs_error (f, rc, e, "%s: writing extended attributes", where);
  return rv;
}

/* ---- file data --------------------------------------------------------- */

static int
push_run (struct fg_fs *f, blk64_t lblk, blk64_t pblk, blk64_t len,
          struct fg_err *e)
{
  if (f->nruns && f->runs[f->nruns - 1].lblk + f->runs[f->nruns - 1].len == lblk
      && f->runs[f->nruns - 1].pblk + f->runs[f->nruns - 1].len == pblk) {
    f->runs[f->nruns - 1].len += len;
    return 0;
  }
  if (f->nruns == f->cap_runs) {
    size_t ncap = f->cap_runs ? f->cap_runs * 2 : 64;
    struct extent_run *n = realloc (f->runs, ncap * sizeof *n);
    if (n == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "block map");
    f->runs = n;
    f->cap_runs = ncap;
  }
  f->runs[f->nruns].lblk = lblk;
  f->runs[f->nruns].pblk = pblk;
  f->runs[f->nruns].len = len;
  f->nruns++;
  return 0;
}

/* Record where blocks [START, START+LEN) of INO landed. */
static int
map_blocks (struct fg_fs *f, ext2_ino_t ino, struct ext2_inode *inode,
            blk64_t start, blk64_t len, const char *where, struct fg_err *e)
{
  errcode_t rc;

  if (inode->i_flags & EXT4_EXTENTS_FL) {
    ext2_extent_handle_t h;
    struct ext2fs_extent ex;
    rc = ext2fs_extent_open2 (f->fs, ino, inode, &h);
    if (rc)
      return fs_error (f, rc, e, "%s: reading its extents", where);
    rc = ext2fs_extent_get (h, EXT2_EXTENT_ROOT, &ex);
    f->nruns = 0;
    while (rc == 0) {
      if ((ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) &&
          push_run (f, ex.e_lblk, ex.e_pblk, ex.e_len, e) < 0) {
        ext2fs_extent_free (h);
        return -1;
      }
      rc = ext2fs_extent_get (h, EXT2_EXTENT_NEXT_LEAF, &ex);
    }
    ext2fs_extent_free (h);
    if (rc != EXT2_ET_EXTENT_NO_NEXT && rc != EXT2_ET_EXTENT_NO_DOWN)
      return fs_error (f, rc, e, "%s: walking its extents", where);
    return 0;
  }
  /* Block-mapped (ext3): this file's runs only.  (Left over from the
   * previous file, its runs sent this file's data into that file's
   * blocks.) */
  f->nruns = 0;
  for (blk64_t b = start; b < start + len; b++) {
    blk64_t p = 0;
    rc = ext2fs_bmap2 (f->fs, ino, inode, NULL, 0, b, NULL, &p);
    if (rc)
      return fs_error (f, rc, e, "%s: mapping block %llu", where,
                       (unsigned long long) b);
    if (p && push_run (f, b, p, 1, e) < 0)
      return -1;
  }
  return 0;
}

static const struct extent_run *
find_run (const struct fg_fs *f, blk64_t lblk)
{
  size_t lo = 0, hi = f->nruns;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const struct extent_run *r = &f->runs[mid];
    if (lblk < r->lblk)
      hi = mid;
    else if (lblk >= r->lblk + r->len)
      lo = mid + 1;
    else
      return r;
  }
  return NULL;
}

static int
write_mapped (struct fg_fs *f, const uint8_t *buf, size_t len, uint64_t off,
              const char *where, struct fg_err *e)
{
  while (len > 0) {
    blk64_t lblk = off / BS;
    const struct extent_run *r = find_run (f, lblk);
    uint64_t avail, n;

    /* Blocks were allocated from the member's sparse map; data
     * elsewhere means the archive contradicts itself (libarchive keeps
     * map entries past the member's size that it left out of the
     * entry's map). */
    if (r == NULL) {
      fg_err_set (e, FG_E_INPUT, "%s: data at offset %llu lies outside the "
                  "member's sparse map", where, (unsigned long long) off);
      fg_err_hint (e, "the archive is damaged: save the image again");
      return -1;
    }
    avail = (r->lblk + r->len - lblk) * BS - off % BS;
    n = avail < len ? avail : len;
    if (fg_e2io_pwrite (f->t, buf, (size_t) n,
                        (r->pblk + (lblk - r->lblk)) * BS + off % BS, e) < 0)
      return fg_err_prefix (e, "%s", where);
    buf += n;
    off += n;
    len -= (size_t) n;
  }
  return 0;
}

/* Allocate the member's data blocks (only its data regions, for a
 * sparse member), then stream its data into them. */
static int
write_data (struct fg_fs *f, ext2_ino_t ino, struct ext2_inode_large *in,
            struct archive_entry *ent, fg_fs_data_fn data, void *opaque,
            const char *where, struct fg_err *e)
{
  uint64_t size = (uint64_t) archive_entry_size (ent);
  struct ext2_inode *inode = (struct ext2_inode *) in;
  la_int64_t soff, slen;
  errcode_t rc;
  const void *buf;
  size_t len;
  int64_t off;
  int more;

  if (size == 0)
    return 0;
  if (archive_entry_sparse_reset (ent) > 0) {
    while (archive_entry_sparse_next (ent, &soff, &slen) == ARCHIVE_OK) {
      if (slen <= 0)
        continue;
      if (soff < 0 || (uint64_t) soff > size ||
          (uint64_t) slen > size - (uint64_t) soff)
        return fg_err_set (e, FG_E_INPUT, "%s: sparse map entry %lld+%lld "
                           "is outside the file (%llu bytes)", where,
                           (long long) soff, (long long) slen,
                           (unsigned long long) size);
      blk64_t b0 = (blk64_t) soff / BS;
      blk64_t b1 = ((blk64_t) (soff + slen) + BS - 1) / BS;
      rc = ext2fs_fallocate (f->fs, EXT2_FALLOCATE_FORCE_INIT, ino, inode,
                             ~0ULL, b0, b1 - b0);
      if (rc)
        return fs_error (f, rc, e, "%s: allocating %llu bytes", where,
                         (unsigned long long) slen);
    }
  } else {
    rc = ext2fs_fallocate (f->fs, EXT2_FALLOCATE_FORCE_INIT, ino, inode,
                           ~0ULL, 0, (size + BS - 1) / BS);
    if (rc)
      return fs_error (f, rc, e, "%s: allocating %llu bytes", where,
                       (unsigned long long) size);
  }
  if (map_blocks (f, ino, inode, 0, (size + BS - 1) / BS, where, e) < 0)
    return -1;
  while ((more = data (opaque, &buf, &len, &off, e)) > 0) {
    if (off < 0 || (uint64_t) off > size || len > size - (uint64_t) off)
      return fg_err_set (e, FG_E_INPUT, "%s: data at offset %lld runs past "
                         "the size in its header (%llu)", where,
                         (long long) off, (unsigned long long) size);
    if (len && write_mapped (f, buf, len, (uint64_t) off, where, e) < 0)
      return -1;
    f->st.data_bytes += len;
  }
  return more < 0 ? -1 : 0;
}

/* ---- members ------------------------------------------------------------ */

static int
new_inode (struct fg_fs *f, ext2_ino_t parent, const char *name, int mode,
           int ftype, ext2_ino_t *ino, const char *where, struct fg_err *e)
{
  errcode_t rc = ext2fs_new_inode (f->fs, parent, mode, NULL, ino);

  if (rc == 0)
    rc = link_expanding (f->fs, parent, name, *ino, ftype);
  if (rc)
    return fs_error (f, rc, e, "%s: creating '%s'", where, name);
  fg_dirindex_add (f->names, parent, name, *ino);
  ext2fs_inode_alloc_stats2 (f->fs, *ino, +1, 0);
  return 0;
}

static int
add_file (struct fg_fs *f, ext2_ino_t parent, const char *name,
          struct archive_entry *ent, fg_fs_data_fn data, void *opaque,
          const char *where, struct fg_err *e)
{
  struct ext2_inode_large in;
  ext2_ino_t ino;
  errcode_t rc;

  if (new_inode (f, parent, name, LINUX_S_IFREG, EXT2_FT_REG_FILE, &ino,
                 where, e) < 0)
    return -1;
  memset (&in, 0, sizeof in);
  in.i_mode = LINUX_S_IFREG;
  in.i_links_count = 1;
  fill_attrs (&in, ent, inode_is_large (f->fs));
  if (f->ext4) {
    ext2_extent_handle_t h;
    /* An empty extent tree in i_block, as create_inode.c starts one. */
    rc = ext2fs_extent_open2 (f->fs, ino, (struct ext2_inode *) &in, &h);
    if (rc)
      return fs_error (f, rc, e, "%s: starting its extent tree", where);
    ext2fs_extent_free (h);
  }
  if ((rc = write_large (f->fs, ino, &in)) != 0)
    return fs_error (f, rc, e, "%s: writing its inode", where);
  if (write_data (f, ino, &in, ent, data, opaque, where, e) < 0)
    return -1;
  rc = ext2fs_inode_size_set (f->fs, (struct ext2_inode *) &in,
                              (uint64_t) archive_entry_size (ent));
  if (rc == 0)
    rc = write_large (f->fs, ino, &in);
  if (rc)
    return fs_error (f, rc, e, "%s: writing its inode", where);
  f->st.files++;
  return apply_xattrs (f, ino, ent, where, e);
}

static int
add_special (struct fg_fs *f, ext2_ino_t parent, const char *name,
             struct archive_entry *ent, const char *where, struct fg_err *e)
{
  struct ext2_inode_large in;
  ext2_ino_t ino;
  int mode, ftype;
  errcode_t rc;

  switch (archive_entry_filetype (ent)) {
  case AE_IFCHR: mode = LINUX_S_IFCHR; ftype = EXT2_FT_CHRDEV; break;
  case AE_IFBLK: mode = LINUX_S_IFBLK; ftype = EXT2_FT_BLKDEV; break;
  case AE_IFIFO: mode = LINUX_S_IFIFO; ftype = EXT2_FT_FIFO; break;
  case AE_IFSOCK: mode = LINUX_S_IFSOCK; ftype = EXT2_FT_SOCK; break;
  default:
    return fg_err_set (e, FG_E_INPUT, "%s: unknown file type 0%o", where,
                       (unsigned) archive_entry_filetype (ent));
  }
  if (new_inode (f, parent, name, mode, ftype, &ino, where, e) < 0)
    return -1;
  memset (&in, 0, sizeof in);
  in.i_mode = (__u16) mode;
  in.i_links_count = 1;
  if (ftype == EXT2_FT_CHRDEV || ftype == EXT2_FT_BLKDEV) {
    unsigned long ma = (unsigned long) archive_entry_rdevmajor (ent);
    unsigned long mi = (unsigned long) archive_entry_rdevminor (ent);
    /* The kernel's old and new encodings (fs/ext4/inode.c). */
    if (ma < 256 && mi < 256)
      in.i_block[0] = (__u32) (ma * 256 + mi);
    else
      in.i_block[1] = (__u32) ((mi & 0xff) | (ma << 8) | ((mi & ~0xffUL) << 12));
  }
  fill_attrs (&in, ent, inode_is_large (f->fs));
  if ((rc = write_large (f->fs, ino, &in)) != 0)
    return fs_error (f, rc, e, "%s: writing its inode", where);
  f->st.specials++;
  return apply_xattrs (f, ino, ent, where, e);
}

static int
add_symlink (struct fg_fs *f, ext2_ino_t parent, const char *name,
             struct archive_entry *ent, const char *where, struct fg_err *e)
{
  const char *target = archive_entry_symlink (ent);
  ext2_ino_t ino;
  errcode_t rc;
  char *copy;

  if (target == NULL || target[0] == '\0')
    return fg_err_set (e, FG_E_INPUT, "%s: symlink with an empty target",
                       where);
  if (strlen (target) > MAX_SYMLINK)
    return fg_err_set (e, FG_E_INPUT, "%s: symlink target of %zu bytes "
                       "(at most %d)", where, strlen (target), MAX_SYMLINK);
  /* ext2fs_symlink wants a writable, block-sized buffer on some paths. */
  copy = calloc (1, BS + 1);
  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "symlink");
  strcpy (copy, target);
  rc = ext2fs_new_inode (f->fs, parent, LINUX_S_IFLNK | 0755, NULL, &ino);
  if (rc == 0)
    rc = ext2fs_symlink (f->fs, parent, ino, name, copy);
  if (rc == EXT2_ET_DIR_NO_SPACE) {
    rc = ext2fs_expand_dir (f->fs, parent);
    if (rc == 0)
      rc = ext2fs_symlink (f->fs, parent, ino, name, copy);
  }
  free (copy);
  if (rc)
    return fs_error (f, rc, e, "%s: creating symlink", where);
  fg_dirindex_add (f->names, parent, name, ino);
  f->st.symlinks++;
  if (apply_attrs (f, ino, ent, where, e) < 0)
    return -1;
  return apply_xattrs (f, ino, ent, where, e);
}

static int
add_hardlink (struct fg_fs *f, ext2_ino_t parent, const char *name,
              const char *target, const char *where, struct fg_err *e)
{
  ext2_ino_t tdir, tino;
  const char *tleaf;
  struct ext2_inode_large in;
  errcode_t rc;
  int found;

  if (split_path (f, target, &tdir, &tleaf, where, e) < 0)
    return -1;
  found = exists (f, tdir, tleaf, &tino, where, e);
  if (found < 0)
    return -1;
  if (!found)
    return fg_err_set (e, FG_E_INPUT, "%s: hard link to '%s', which is not "
                       "(yet) in the image", where, target);
  if ((rc = read_large (f->fs, tino, &in)) != 0)
    return fs_error (f, rc, e, "%s: reading '%s'", where, target);
  if (LINUX_S_ISDIR (in.i_mode))
    return fg_err_set (e, FG_E_INPUT, "%s: hard link to folder '%s'", where,
                       target);
  if (in.i_links_count >= 65000)
    return fg_err_set (e, FG_E_INPUT, "%s: '%s' has too many hard links",
                       where, target);
  {
    int ftype = LINUX_S_ISREG (in.i_mode) ? EXT2_FT_REG_FILE
      : LINUX_S_ISLNK (in.i_mode) ? EXT2_FT_SYMLINK
      : LINUX_S_ISCHR (in.i_mode) ? EXT2_FT_CHRDEV
      : LINUX_S_ISBLK (in.i_mode) ? EXT2_FT_BLKDEV
      : LINUX_S_ISFIFO (in.i_mode) ? EXT2_FT_FIFO : EXT2_FT_SOCK;
    if ((rc = link_expanding (f->fs, parent, name, tino, ftype)) != 0)
      return fs_error (f, rc, e, "%s: linking to '%s'", where, target);
    fg_dirindex_add (f->names, parent, name, tino);
  }
  in.i_links_count++;
  if ((rc = write_large (f->fs, tino, &in)) != 0)
    return fs_error (f, rc, e, "%s: updating '%s'", where, target);
  f->st.hardlinks++;
  return 0;
}

static int
add_dir (struct fg_fs *f, ext2_ino_t parent, const char *name,
         struct archive_entry *ent, const char *where, struct fg_err *e)
{
  ext2_ino_t ino;
  struct ext2_inode inode;
  int found = exists (f, parent, name, &ino, where, e), isdir = 0;
  errcode_t rc;

  if (found < 0)
    return -1;
  if (found) {
    /* Made already, as the parent of an earlier member: now it gets its
     * own owner, mode and times. */
    if ((rc = is_dir (f->fs, ino, &isdir, &inode)) != 0)
      return fs_error (f, rc, e, "%s: reading inode %u", where, ino);
    if (!isdir)
      return fg_err_set (e, FG_E_INPUT, "%s: a folder where the archive "
                         "already put a %s", where,
                         LINUX_S_ISLNK (inode.i_mode) ? "symlink" : "file");
  } else {
    if ((rc = make_dir (f, parent, name, &ino)) != 0)
      return fs_error (f, rc, e, "%s: creating folder", where);
    f->st.dirs++;
  }
  if (apply_attrs (f, ino, ent, where, e) < 0)
    return -1;
  return apply_xattrs (f, ino, ent, where, e);
}

/* A second member of the same name: GNU tar replaces the first with it,
 * and so does this, with a warning.  A folder is never replaced (that is
 * how an archive smuggles a symlink in place of a folder it filled). */
static int
replace_earlier (struct fg_fs *f, ext2_ino_t parent, const char *leaf,
                 ext2_ino_t ino, const char *path, const char *where,
                 struct fg_err *e)
{
  struct ext2_inode_large in;
  errcode_t rc = read_large (f->fs, ino, &in);

  if (rc)
    return fs_error (f, rc, e, "%s: reading '%s'", where, path);
  if (LINUX_S_ISDIR (in.i_mode))
    return fg_err_set (e, FG_E_INPUT, "%s: '%s' replaces a folder of the "
                       "same name", where, path);
  fg_dirindex_forget (f->names, parent);
  if ((rc = ext2fs_unlink (f->fs, parent, leaf, ino, 0)) != 0)
    return fs_error (f, rc, e, "%s: removing the earlier '%s'", where, path);
  if (in.i_links_count > 1)
    in.i_links_count--;
  else {
    in.i_links_count = 0;
    in.i_dtime = (__u32) (f->fs->now ? f->fs->now : time (NULL));
    if (ext2fs_inode_has_valid_blocks2 (f->fs, (struct ext2_inode *) &in) &&
        (rc = ext2fs_punch (f->fs, ino, (struct ext2_inode *) &in, NULL, 0,
                            ~0ULL)) != 0)
      return fs_error (f, rc, e, "%s: freeing the earlier '%s'", where, path);
    if (in.i_file_acl && (rc = ext2fs_free_ext_attr (f->fs, ino, &in)) != 0)
      return fs_error (f, rc, e, "%s: freeing the earlier '%s'", where, path);
    ext2fs_inode_alloc_stats2 (f->fs, ino, -1, 0);
  }
  if ((rc = write_large (f->fs, ino, &in)) != 0)
    return fs_error (f, rc, e, "%s: updating the earlier '%s'", where, path);
  fg_warn ("%s: '%s' appears twice; the later copy wins, as with GNU tar",
           where, path);
  return 0;
}

int
fg_fs_add (struct fg_fs *f, struct archive_entry *ent, const char *path,
           const char *hardlink, fg_fs_data_fn data, void *opaque,
           const char *where, struct fg_err *e)
{
  ext2_ino_t parent, ino;
  const char *leaf;
  int found;

  fg_err_clear (&f->t->err);
  if (path[0] == '\0') {
    /* image/ itself: the root folder's owner, mode and times. */
    if (archive_entry_filetype (ent) != AE_IFDIR)
      return fg_err_set (e, FG_E_INPUT, "%s: the image root is not a "
                         "folder", where);
    if (apply_attrs (f, EXT2_ROOT_INO, ent, where, e) < 0)
      return -1;
    return apply_xattrs (f, EXT2_ROOT_INO, ent, where, e);
  }
  if (split_path (f, path, &parent, &leaf, where, e) < 0)
    return -1;
  if (archive_entry_filetype (ent) == AE_IFDIR && hardlink == NULL)
    return add_dir (f, parent, leaf, ent, where, e);
  found = exists (f, parent, leaf, &ino, where, e);
  if (found < 0)
    return -1;
  if (found && replace_earlier (f, parent, leaf, ino, path, where, e) < 0)
    return -1;
  if (hardlink)
    return add_hardlink (f, parent, leaf, hardlink, where, e);
  switch (archive_entry_filetype (ent)) {
  case AE_IFREG:
    return add_file (f, parent, leaf, ent, data, opaque, where, e);
  case AE_IFLNK:
    return add_symlink (f, parent, leaf, ent, where, e);
  default:
    return add_special (f, parent, leaf, ent, where, e);
  }
}

/* The contents of /etc/NAME in the new file system (not following a
 * symlink), or NULL. */
static char *
read_etc (struct fg_fs *f, const char *name)
{
  ext2_ino_t etc, ino;
  ext2_file_t file;
  struct ext2_inode in;
  unsigned got = 0;
  char *buf = NULL;
  struct fg_err ignored = FG_ERR_INIT;

  if (walk_dir (f, "etc", 0, &etc, "/etc", &ignored) < 0 ||
      ext2fs_lookup (f->fs, etc, name, (int) strlen (name), NULL, &ino) ||
      ext2fs_read_inode (f->fs, ino, &in) || !LINUX_S_ISREG (in.i_mode) ||
      EXT2_I_SIZE (&in) > (4u << 20))
    return NULL;
  buf = calloc (1, EXT2_I_SIZE (&in) + 1);
  if (buf == NULL || ext2fs_file_open (f->fs, ino, 0, &file)) {
    free (buf);
    return NULL;
  }
  if (ext2fs_file_read (file, buf, EXT2_I_SIZE (&in), &got))
    got = 0;
  ext2fs_file_close (file);
  buf[got] = '\0';
  return buf;
}

/* The id of NAME in passwd/group text DB ("name:x:id:..."), or -1. */
static long
lookup_id (const char *db, const char *name)
{
  size_t n = strlen (name);

  for (const char *p = db; p && *p; ) {
    const char *nl = strchr (p, '\n');
    if (strncmp (p, name, n) == 0 && p[n] == ':') {
      const char *c = strchr (p + n + 1, ':');
      if (c && (nl == NULL || c < nl)) {
        char *end;
        long v = strtol (c + 1, &end, 10);
        if (end != c + 1 && *end == ':' && v >= 0)
          return v;
      }
    }
    p = nl ? nl + 1 : NULL;
  }
  return -1;
}

static int
resolve_pending (struct fg_fs *f, struct fg_err *e)
{
  char *passwd, *group;
  int rv = 0;

  if (f->pending == NULL)
    return 0;
  passwd = read_etc (f, "passwd");
  group = read_etc (f, "group");
  while (f->pending && rv == 0) {
    struct acl *a = f->pending;
    struct ext2_xattr_handle *h = NULL;
    char where[64];
    int ok = 1;
    errcode_t rc;

    f->pending = a->next;
    for (size_t i = 0; i < a->n; i++) {
      long id;
      if (a->e[i].name == NULL)
        continue;
      id = lookup_id (a->e[i].tag == 0x02 ? passwd : group, a->e[i].name);
      if (id < 0) {
        fg_warn ("inode %u: ACL names %s '%s', which the image's "
                 "/etc/%s does not know; ACL not set", a->ino,
                 a->e[i].tag == 0x02 ? "user" : "group", a->e[i].name,
                 a->e[i].tag == 0x02 ? "passwd" : "group");
        ok = 0;
        break;
      }
      a->e[i].id = (uint32_t) id;
    }
    snprintf (where, sizeof where, "inode %u", a->ino);
    if (ok) {
      if ((rc = ext2fs_xattrs_open (f->fs, a->ino, &h)) != 0 ||
          (rc = ext2fs_xattrs_read (h)) != 0)
        rv = fs_error (f, rc, e, "%s: reading extended attributes", where);
      else
        rv = set_acl (f, h, a, where, e);
      if (h && (rc = ext2fs_xattrs_close (&h)) != 0 && rv == 0)
        rv = fs_error (f, rc, e, "%s: writing its ACL", where);
    }
    acl_free (a);
  }
  free (passwd);
  free (group);
  return rv;
}

void
fg_fs_uuid (const struct fg_fs *f, char out[37])
{
  uuid_unparse_lower (f->st.uuid, out);
}

int
fg_fs_close (struct fg_fs *f, struct fg_fs_stats *stats, struct fg_err *e)
{
  errcode_t rc;

  fg_err_clear (&f->t->err);
  if (resolve_pending (f, e) < 0) {
    fg_fs_abort (f);
    return -1;
  }
  if (stats)
    *stats = f->st;
  rc = ext2fs_close_free (&f->fs);
  if (rc) {
    fs_error (f, rc, e, "writing the file system's superblocks");
    fg_fs_abort (f);
    return -1;
  }
  fg_fs_abort (f);
  return 0;
}

void
fg_fs_abort (struct fg_fs *f)
{
  if (f == NULL)
    return;
  if (f->fs)
    ext2fs_free (f->fs);
  while (f->pending) {
    struct acl *a = f->pending;
    f->pending = a->next;
    acl_free (a);
  }
  free (f->cache_dir);
  fg_dirindex_free (f->names);
  free (f->runs);
  free (f);
}
