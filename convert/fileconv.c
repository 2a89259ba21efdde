/* convert/fileconv.c --- scan, size, mkfs, populate, finish */
#include "convert/fileconv.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "convert/e2io.h"
#include "convert/fsbuild.h"
#include "source/mbr.h"
#include "source/tarstream.h"
#include "source/vhd.h"

#define MIB (1ull << 20)
#define PART_OFFSET ((uint64_t) MBR_PART_START * MBR_SECTOR)
#define MIN_FS_SIZE (64 * MIB)

/* "a//b/./c" -> "a/b/c"; ".." refused, and so is what ext4 or Linux
 * cannot hold: a component over 255 bytes, a path over PATH_MAX.  *OUT
 * is malloc'd. */
static int
normalize (const char *p, const char *name, char **out, const char *where,
           struct fg_err *e)
{
  char *res = malloc (strlen (p) + 1), *o;

  *out = NULL;
  if (res == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "member name");
  o = res;
  while (*p) {
    const char *slash;
    size_t len;
    while (*p == '/')
      p++;
    if (*p == '\0')
      break;
    slash = strchr (p, '/');
    len = slash ? (size_t) (slash - p) : strlen (p);
    if (len == 1 && p[0] == '.') {
      p += len;
      continue;
    }
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      free (res);
      return fg_err_set (e, FG_E_INPUT, "%s: member '%s' contains '..'",
                         where, name);
    }
    if (len > FG_MEMBER_NAME_MAX) {
      free (res);
      fg_err_set (e, FG_E_INPUT, "%s: a folder or file name of %zu bytes "
                  "(ext4 allows %d)", where, len, FG_MEMBER_NAME_MAX);
      fg_err_hint (e, "rename or remove that path on the server and save "
                   "the image again");
      return -1;
    }
    if ((size_t) (o - res) + 1 + len >= FG_MEMBER_PATH_MAX) {
      free (res);
      fg_err_set (e, FG_E_INPUT, "%s: a path of more than %d bytes",
                  where, FG_MEMBER_PATH_MAX - 1);
      fg_err_hint (e, "shorten that path on the server and save the image "
                   "again");
      return -1;
    }
    if (o != res)
      *o++ = '/';
    memcpy (o, p, len);
    o += len;
    p += len;
  }
  *o = '\0';
  *out = res;
  return 0;
}

int
fg_member_path (const char *name, char **out, int quiet, const char *where,
                struct fg_err *e)
{
  static int warned_abs;
  const char *p = name;

  *out = NULL;
  while (*p == '/' || (p[0] == '.' && p[1] == '/')) {
    if (*p == '/' && !warned_abs && !quiet) {
      fg_warn ("%s: removing leading '/' from member names", where);
      warned_abs = 1;
    }
    p += *p == '/' ? 1 : 2;
  }
  if (strncmp (p, "image", 5) != 0 || (p[5] != '\0' && p[5] != '/')) {
    /* Not part of the root file system: tar would put it beside image/,
     * where it belongs to no disk. */
    if (!quiet)
      fg_warn ("%s: '%s' is outside image/; skipped", where, name);
    return 0;
  }
  return normalize (p + 5, name, out, where, e) < 0 ? -1 : 1;
}

static void
where_member (struct fg_tar *t, struct archive_entry *ent, char *buf,
              size_t cap)
{
  char pos[600];
  const char *name = archive_entry_pathname (ent);

  fg_tar_where (t, pos, sizeof pos);
  snprintf (buf, cap, "%s: member '%s'", pos, name ? name : "?");
}

/* Names and size of one member, checked the same way in both passes:
 * *PATH and *LPATH (hard link target, or NULL) are malloc'd.  Returns 1
 * for a member of the image, 0 for one to skip (outside image/), -1. */
static int
check_member (struct archive_entry *ent, char **path, char **lpath,
              int quiet, const char *where, struct fg_err *e)
{
  const char *name = archive_entry_pathname (ent);
  const char *link = archive_entry_hardlink (ent);
  la_int64_t size = archive_entry_size (ent);

  int in;

  *path = *lpath = NULL;
  if (name == NULL)
    return fg_err_set (e, FG_E_INPUT, "%s: member without a name", where);
  if ((in = fg_member_path (name, path, quiet, where, e)) <= 0)
    return in;
  if (link && (in = fg_member_path (link, lpath, 1, where, e)) <= 0) {
    if (in == 0)
      fg_err_set (e, FG_E_INPUT, "%s: hard link to '%s', outside image/",
                  where, link);
    goto fail;
  }
  if (size < 0 || (uint64_t) size > VHD_MAX_DISK_SIZE) {
    fg_err_set (e, FG_E_INPUT, "%s: claims %lld bytes, more than any "
                "next-gen disk holds", where, (long long) size);
    goto fail;
  }
  return 1;

fail:
  free (*path);
  free (*lpath);
  *path = *lpath = NULL;
  return -1;
}

struct scan {
  uint64_t entries, data, dirs, meta_blocks;
};

/* What one member adds to the file system's size. */
static void
scan_add (struct scan *s, struct archive_entry *ent)
{
  la_int64_t size = archive_entry_size (ent);

  s->entries++;
  if (archive_entry_hardlink (ent))
    return;
  switch (archive_entry_filetype (ent)) {
  case AE_IFREG:
    if (archive_entry_sparse_reset (ent) > 0) {
      la_int64_t off, len;
      while (archive_entry_sparse_next (ent, &off, &len) == ARCHIVE_OK)
        s->data += fg_fs_blocks_bytes ((uint64_t) (len > 0 ? len : 0)) + 4096;
    } else
      s->data += fg_fs_blocks_bytes ((uint64_t) (size > 0 ? size : 0));
    /* An extent tree block now and then. */
    s->meta_blocks += (uint64_t) (size > 0 ? size : 0) / (128 * MIB);
    break;
  case AE_IFDIR:
    s->dirs++;
    break;
  case AE_IFLNK:
    s->meta_blocks++;
    break;
  default:
    break;
  }
}

/* Pass 1: headers only.  Every name is checked here, so that a hostile
 * member is refused before anything is written. */
static int
scan_archive (const struct fg_parts *parts, enum fg_progress_mode pm,
              struct scan *s, uint64_t *bytes_in, struct fg_err *e)
{
  struct fg_tar *t;
  struct archive_entry *ent;
  struct fg_progress p;
  char where[1024];
  int rc;

  memset (s, 0, sizeof *s);
  if (fg_tar_open (&t, parts, e) < 0)
    return -1;
  fg_progress_start (&p, pm, "scan", parts->total);
  while ((rc = fg_tar_next (t, &ent, e)) > 0) {
    char *path, *lpath;

    fg_progress_update (&p, fg_tar_in_pos (t));
    where_member (t, ent, where, sizeof where);
    if ((rc = check_member (ent, &path, &lpath, 0, where, e)) < 0)
      break;
    free (path);
    free (lpath);
    if (rc > 0)
      scan_add (s, ent);
    rc = 1;
  }
  *bytes_in += fg_tar_in_pos (t);
  fg_progress_end (&p, rc == 0);
  fg_tar_close (t);
  if (rc == 0 && s->entries == 0)
    rc = fg_err_set (e, FG_E_INPUT, "'%s' holds nothing under image/: not "
                     "a first-gen file-level image", parts->name);
  return rc < 0 ? -1 : 0;
}

/* The file system size: the data, folders and metadata, plus headroom,
 * never less than the source's known disk size. */
static void
plan_size (const struct scan *s, const struct fg_file_opts *o,
           uint64_t *fs_size, uint64_t *inodes)
{
  uint64_t need, size;
  unsigned headroom = o->headroom_pct;

  *inodes = s->entries * 2 + 16384;
  need = s->data + (s->dirs + s->meta_blocks) * 4096;
  need += *inodes * 256;                 /* inode tables */
  need += 128 * MIB;                     /* journal and group metadata */
  size = need + need / 100 * headroom;
  size = size * 100 / 95;                /* the 5 % reserved for root */
  if (o->min_disk > PART_OFFSET && size < o->min_disk - PART_OFFSET)
    size = o->min_disk - PART_OFFSET;
  if (o->fs_size)
    size = o->fs_size;
  if (size < MIN_FS_SIZE)
    size = MIN_FS_SIZE;
  /* A whole number of 2 MiB blocks for the disk, partition at 1 MiB. */
  size = (size + PART_OFFSET + 2 * MIB - 1) / (2 * MIB) * (2 * MIB)
    - PART_OFFSET;
  if (*inodes < size / 16384)
    *inodes = size / 16384;
  *fs_size = size;
}

/* A member held in memory (one the hook may edit). */
struct mem_data {
  const char *buf;
  size_t len;
  int done;
};

static int
mem_data (void *opaque, const void **buf, size_t *len, int64_t *off,
          struct fg_err *e)
{
  struct mem_data *m = opaque;

  (void) e;
  if (m->done || m->len == 0)
    return 0;
  m->done = 1;
  *buf = m->buf;
  *len = m->len;
  *off = 0;
  return 1;
}

#define MAX_EDITED (1u << 20)

/* Add one member, through the hook when it wants to edit the file. */
static int
add_member (struct fg_fs *fs, const struct fg_member_hook *hook,
            struct archive_entry *ent, const char *path, const char *lpath,
            fg_fs_data_fn data, void *opaque, const char *where,
            struct fg_err *e)
{
  la_int64_t size = archive_entry_size (ent);
  char *buf = NULL, *edited = NULL;
  size_t got = 0, elen = 0;
  struct mem_data m = { NULL, 0, 0 };
  const void *p;
  size_t len;
  int64_t off;
  int rc, what;

  if (hook == NULL || hook->touches == NULL || lpath ||
      archive_entry_filetype (ent) != AE_IFREG || size < 0 ||
      size > MAX_EDITED || !hook->touches (hook->opaque, path))
    return fg_fs_add (fs, ent, path, lpath, data, opaque, where, e);
  buf = calloc (1, (size_t) size + 1);
  if (buf == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "%s", where);
  while ((rc = data (opaque, &p, &len, &off, e)) > 0) {
    if (off < 0 || (uint64_t) off + len > (uint64_t) size) {
      free (buf);
      return fg_err_set (e, FG_E_INPUT, "%s: data past the member's size",
                         where);
    }
    memcpy (buf + off, p, len);
    if ((size_t) off + len > got)
      got = (size_t) off + len;
  }
  if (rc < 0) {
    free (buf);
    return -1;
  }
  what = hook->edit (hook->opaque, path, buf, (size_t) size, &edited, &elen);
  if (what == 2) {
    free (buf);
    return 0;                   /* left out of the new disk */
  }
  if (what == 1) {
    archive_entry_set_size (ent, (la_int64_t) elen);
    m.buf = edited;
    m.len = elen;
  } else {
    m.buf = buf;
    m.len = (size_t) size;
  }
  rc = fg_fs_add (fs, ent, path, NULL, mem_data, &m, where, e);
  free (edited);
  free (buf);
  return rc;
}

/* The hook's new files, after the last member.  Each is added as a
 * member of its own would be; an image that holds a folder of that name
 * where a file must go is an input problem (named by the path). */
static int
add_new_files (struct fg_fs *fs, const struct fg_member_hook *hook,
               struct fg_err *e)
{
  const char *path, *data;
  size_t i = 0, len;
  struct timespec now;

  if (hook == NULL || hook->next_new == NULL)
    return 0;
  clock_gettime (CLOCK_REALTIME, &now);
  while (hook->next_new (hook->opaque, &i, &path, &data, &len)) {
    struct archive_entry *ent = archive_entry_new ();
    struct mem_data m = { data, len, 0 };
    char where[512];
    int rc;

    if (ent == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "new file");
    archive_entry_set_pathname (ent, path);
    archive_entry_set_filetype (ent, AE_IFREG);
    archive_entry_set_perm (ent, 0644);
    archive_entry_set_size (ent, (la_int64_t) len);
    archive_entry_set_mtime (ent, now.tv_sec, now.tv_nsec);
    archive_entry_set_atime (ent, now.tv_sec, now.tv_nsec);
    archive_entry_set_ctime (ent, now.tv_sec, now.tv_nsec);
    snprintf (where, sizeof where, "new file '%s' (fixups)", path);
    rc = fg_fs_add (fs, ent, path, NULL, mem_data, &m, where, e);
    archive_entry_free (ent);
    if (rc < 0)
      return -1;
    if (hook->added)
      hook->added (hook->opaque, path);
  }
  return 0;
}

struct tar_data {
  struct fg_tar *t;
};

static int
tar_data (void *opaque, const void **buf, size_t *len, int64_t *off,
          struct fg_err *e)
{
  return fg_tar_read_block (((struct tar_data *) opaque)->t, buf, len, off, e);
}

struct parts_src {
  const struct fg_parts *parts;
  int scanned;                /* pass 1 ran and already gave the warnings */
  const struct fg_member_hook *hook;
};

/* Pass 2: every member into the file system. */
static int
populate (void *opaque, struct fg_fs *fs, enum fg_progress_mode pm,
          struct fg_file_result *res, struct fg_err *e)
{
  const struct parts_src *src = opaque;
  const struct fg_parts *parts = src->parts;
  uint64_t *bytes_in = &res->bytes_in, *entries = &res->entries;
  struct fg_tar *t;
  struct archive_entry *ent;
  struct fg_progress p;
  struct tar_data td;
  char where[1024];
  int rc;

  if (fg_tar_open (&t, parts, e) < 0)
    return -1;
  td.t = t;
  fg_progress_start (&p, pm, "convert", parts->total);
  while ((rc = fg_tar_next (t, &ent, e)) > 0) {
    char *path, *lpath;

    fg_progress_update (&p, fg_tar_in_pos (t));
    where_member (t, ent, where, sizeof where);
    rc = check_member (ent, &path, &lpath, src->scanned, where, e);
    if (rc > 0) {
      rc = add_member (fs, src->hook, ent, path, lpath, tar_data, &td, where,
                       e);
      (*entries)++;
    }
    free (path);
    free (lpath);
    if (rc < 0)
      break;
  }
  if (rc == 0)
    rc = add_new_files (fs, src->hook, e);
  *bytes_in += fg_tar_in_pos (t);
  fg_progress_end (&p, rc == 0);
  fg_tar_close (t);
  if (rc == 0 && *entries == 0)
    rc = fg_err_set (e, FG_E_INPUT, "'%s' holds nothing under image/: not "
                     "a first-gen file-level image", parts->name);
  return rc < 0 ? -1 : 0;
}

typedef int (*fill_fn) (void *opaque, struct fg_fs *fs,
                        enum fg_progress_mode pm, struct fg_file_result *res,
                        struct fg_err *e);

/* The disk: VHD, MBR, a new file system of the planned size, filled by
 * FILL, closed, committed. */
static int
build_disk (const char *out, const struct fg_file_opts *o,
            const struct scan *s, fill_fn fill, void *opaque,
            struct fg_file_result *res, struct fg_err *e)
{
  struct fg_progress step;
  struct vhd_writer *w = NULL;
  struct fg_fs *fs = NULL;
  struct fg_fs_stats st;
  struct fg_e2io_target target;
  struct fg_fs_opts fo;
  uint8_t mbr[MBR_SECTOR];
  uint32_t disk_id = 0;
  uint64_t inodes;

  memset (&target, 0, sizeof target);
  plan_size (s, o, &res->fs_size, &inodes);
  res->ext3 = o->ext3;
  {
    struct vhd_writer_opts wo = {
      .kind = o->format == FG_DISK_VHD_FIXED ? VHD_WRITE_FIXED
        : VHD_WRITE_DYNAMIC,
      .size = PART_OFFSET + res->fs_size,
      .replace = o->replace,
    };
    if (vhd_writer_open (&w, out, &wo, e) < 0)
      return -1;
    res->virtual_size = vhd_writer_size (w);
  }
  if (getrandom (&disk_id, sizeof disk_id, 0) != (ssize_t) sizeof disk_id)
    disk_id = 0x66673267;               /* "fg2g": any value will do */
  mbr_encode (mbr, disk_id, MBR_PART_START,
              (uint32_t) (res->fs_size / MBR_SECTOR));
  if (vhd_writer_pwrite (w, mbr, sizeof mbr, 0, e) < 0)
    goto fail;
  target.w = w;
  target.base = PART_OFFSET;
  target.size = res->fs_size;
  memset (&fo, 0, sizeof fo);
  fo.ext3 = o->ext3;
  fo.label = o->label ? o->label : "root";
  fo.size = res->fs_size;
  fo.inodes = inodes;
  if (fg_fs_create (&fs, &target, &fo, e) < 0)
    goto fail;
  if (o->hook && o->hook->created) {
    char uuid[37];
    fg_fs_uuid (fs, uuid);
    o->hook->created (o->hook->opaque, uuid, o->ext3 ? "ext3" : "ext4");
  }
  if (fill (opaque, fs, o->progress, res, e) < 0)
    goto fail;
  /* After the data: the file system's tables, the VHD's BAT and footer,
   * fsync and rename; seconds on a large disk, shown as their own step. */
  fg_progress_step (&step, o->progress, "fsync");
  if (fg_fs_close (fs, &st, e) < 0) {
    fg_progress_end (&step, 0);
    fs = NULL;
    goto fail;
  }
  fs = NULL;
  res->files = st.files;
  res->dirs = st.dirs;
  res->symlinks = st.symlinks;
  res->hardlinks = st.hardlinks;
  res->specials = st.specials;
  res->data_bytes = st.data_bytes;
  memcpy (res->fs_uuid, st.uuid, 16);
  {
    int rc = vhd_writer_finish (w, res->uuid, e);
    fg_progress_end (&step, rc == 0);
    return rc;
  }

fail:
  fg_fs_abort (fs);
  vhd_writer_abort (w);
  return -1;
}

static int
check_format (const struct fg_file_opts *o, struct fg_err *e)
{
  if (o->format != FG_DISK_VHD && o->format != FG_DISK_VHD_FIXED)
    return fg_err_set (e, FG_E_UNSUPPORTED, "a file-level image converts to "
                       "a VHD; convert that VHD to %s afterwards",
                       fg_disk_format_name (o->format));
  return 0;
}

int
fg_convert_file_parts (const struct fg_parts *parts, const char *out,
                       const struct fg_file_opts *o,
                       struct fg_file_result *res, struct fg_err *e)
{
  struct scan s;
  struct parts_src src = { parts, 0, o->hook };

  memset (res, 0, sizeof *res);
  memset (&s, 0, sizeof s);
  if (check_format (o, e) < 0)
    return -1;
  /* With the disk size known (the flavor's, from the server record) one
   * pass does: members are checked as they are written, and a bad one
   * still leaves nothing behind.  Otherwise a first pass reads the
   * headers to size the file system from the data. */
  if (o->known_bytes) {
    s.data = o->known_bytes;          /* an inspection already counted */
    s.entries = o->known_inodes;
    src.scanned = 1;
  } else if (o->min_disk == 0 && o->fs_size == 0) {
    if (scan_archive (parts, o->progress, &s, &res->bytes_in, e) < 0)
      return -1;
    src.scanned = 1;
  }
  return build_disk (out, o, &s, populate, &src, res, e);
}

/* ---- an extracted root folder ------------------------------------------ */

struct dir_src {
  char *root;                 /* the folder that is "/" of the image */
  struct archive *a;
  const struct fg_member_hook *hook;
};

static int
dir_open (struct dir_src *d, struct fg_err *e)
{
  d->a = archive_read_disk_new ();
  if (d->a == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder reader");
  archive_read_disk_set_symlink_physical (d->a);
  archive_read_disk_set_behavior (d->a, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  if (archive_read_disk_open (d->a, d->root) != ARCHIVE_OK)
    return fg_err_set (e, FG_E_INPUT, "cannot read folder '%s': %s", d->root,
                       archive_error_string (d->a));
  return 0;
}

static void
dir_close (struct dir_src *d)
{
  if (d->a)
    archive_read_free (d->a);
  d->a = NULL;
}

/* The next entry and its path inside the root; 0 at the end. */
static int
dir_next (struct dir_src *d, struct archive_entry *ent, char **rel,
          struct fg_err *e)
{
  size_t n = strlen (d->root);
  const char *path;
  char where[1024];
  int rc;

  *rel = NULL;
  for (;;) {
    rc = archive_read_next_header2 (d->a, ent);
    if (rc == ARCHIVE_EOF)
      return 0;
    if (rc == ARCHIVE_WARN) {
      fg_warn ("'%s': %s", d->root, archive_error_string (d->a));
      rc = ARCHIVE_OK;
    }
    if (rc != ARCHIVE_OK)
      return fg_err_set (e, FG_E_INPUT, "reading folder '%s': %s", d->root,
                         archive_error_string (d->a));
    archive_read_disk_descend (d->a);
    path = archive_entry_pathname (ent);
    if (path && strncmp (path, d->root, n) == 0 &&
        (path[n] == '\0' || path[n] == '/'))
      break;
    fg_warn ("'%s' is not inside '%s'; skipped", path ? path : "?", d->root);
  }
  snprintf (where, sizeof where, "'%s'", path);
  return normalize (path + n, path, rel, where, e) < 0 ? -1 : 1;
}

static int
dir_scan (struct dir_src *d, struct scan *s, struct fg_err *e)
{
  struct archive_entry *ent = archive_entry_new ();
  char *rel;
  int rc;

  if (ent == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder entry");
  if (dir_open (d, e) < 0) {
    archive_entry_free (ent);
    return -1;
  }
  while ((rc = dir_next (d, ent, &rel, e)) > 0) {
    free (rel);
    scan_add (s, ent);
  }
  archive_entry_free (ent);
  dir_close (d);
  return rc;
}

static int
dir_data (void *opaque, const void **buf, size_t *len, int64_t *off,
          struct fg_err *e)
{
  struct dir_src *d = opaque;
  la_int64_t o;
  int rc = archive_read_data_block (d->a, buf, len, &o);

  if (rc == ARCHIVE_EOF)
    return 0;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
    return fg_err_set (e, FG_E_INPUT, "reading a file under '%s': %s",
                       d->root, archive_error_string (d->a));
  *off = o;
  return 1;
}

static int
dir_fill (void *opaque, struct fg_fs *fs, enum fg_progress_mode pm,
          struct fg_file_result *res, struct fg_err *e)
{
  struct dir_src *d = opaque;
  struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new ();
  struct archive_entry *ent = NULL, *spare = NULL;
  struct fg_progress p;
  char *rel = NULL, *lrel = NULL;
  int rc;

  (void) pm;
  if (lr == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "link resolver");
  /* The tar strategy: the first name of a file carries its data, later
   * names come back as hard links to it. */
  archive_entry_linkresolver_set_strategy (lr,
                                           ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
  fg_progress_start (&p, FG_PROGRESS_NONE, "convert", 0);
  if (dir_open (d, e) < 0) {
    archive_entry_linkresolver_free (lr);
    return -1;
  }
  for (;;) {
    char where[1024];
    const char *link;

    ent = archive_entry_new ();
    if (ent == NULL) {
      rc = fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder entry");
      break;
    }
    rc = dir_next (d, ent, &rel, e);
    if (rc <= 0)
      break;
    archive_entry_linkify (lr, &ent, &spare);
    archive_entry_free (spare);
    spare = NULL;
    snprintf (where, sizeof where, "'%s'", archive_entry_pathname (ent));
    link = archive_entry_hardlink (ent);
    lrel = NULL;
    if (link && strncmp (link, d->root, strlen (d->root)) == 0)
      rc = normalize (link + strlen (d->root), link, &lrel, where, e);
    if (rc >= 0)
      rc = add_member (fs, d->hook, ent, rel, lrel, dir_data, d, where, e);
    res->entries++;
    free (rel);
    free (lrel);
    rel = lrel = NULL;
    archive_entry_free (ent);
    ent = NULL;
    if (rc < 0)
      break;
  }
  archive_entry_free (ent);
  free (rel);
  archive_entry_linkresolver_free (lr);
  dir_close (d);
  if (rc >= 0 && add_new_files (fs, d->hook, e) < 0)
    rc = -1;
  fg_progress_end (&p, rc == 0);
  return rc < 0 ? -1 : 0;
}

int
fg_convert_dir (const char *folder, const char *out,
                const struct fg_file_opts *o, struct fg_file_result *res,
                struct fg_err *e)
{
  struct dir_src d = { NULL, NULL, o->hook };
  struct scan s;
  struct stat st;
  char *image;
  int rc;

  memset (res, 0, sizeof *res);
  memset (&s, 0, sizeof s);
  if (check_format (o, e) < 0)
    return -1;
  /* A folder holding image/ (an unpacked first-gen archive) or the root
   * itself. */
  image = malloc (strlen (folder) + 8);
  if (image == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder");
  sprintf (image, "%s/image", folder);
  if (stat (image, &st) == 0 && S_ISDIR (st.st_mode)) {
    d.root = image;
  } else {
    free (image);
    d.root = strdup (folder);
    if (d.root == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "folder");
  }
  while (strlen (d.root) > 1 && d.root[strlen (d.root) - 1] == '/')
    d.root[strlen (d.root) - 1] = '\0';
  rc = dir_scan (&d, &s, e);
  if (rc == 0)
    rc = build_disk (out, o, &s, dir_fill, &d, res, e);
  free (d.root);
  return rc;
}
