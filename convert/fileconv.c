/* convert/fileconv.c --- scan, size, mkfs, populate, finish */
#include "convert/fileconv.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "convert/e2io.h"
#include "convert/fsbuild.h"
#include "convert/mbr.h"
#include "convert/tarstream.h"
#include "convert/vhd.h"

#define MIB (1ull << 20)
#define PART_OFFSET ((uint64_t) MBR_PART_START * MBR_SECTOR)
#define MIN_FS_SIZE (64 * MIB)

int
fg_member_path (const char *name, char **out, const char *where,
                struct fg_err *e)
{
  static int warned_abs;
  const char *p = name;
  char *res, *o;

  *out = NULL;
  while (*p == '/' || (p[0] == '.' && p[1] == '/')) {
    if (*p == '/' && !warned_abs) {
      fg_warn ("%s: removing leading '/' from member names", where);
      warned_abs = 1;
    }
    p += *p == '/' ? 1 : 2;
  }
  if (strncmp (p, "image", 5) != 0 || (p[5] != '\0' && p[5] != '/'))
    return fg_err_set (e, FG_E_INPUT, "%s: member '%s' is outside image/, "
                       "where a first-gen image keeps everything", where,
                       name);
  p += 5;
  res = malloc (strlen (p) + 1);
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
 * *PATH and *LPATH (hard link target, or NULL) are malloc'd. */
static int
check_member (struct archive_entry *ent, char **path, char **lpath,
              const char *where, struct fg_err *e)
{
  const char *name = archive_entry_pathname (ent);
  const char *link = archive_entry_hardlink (ent);
  la_int64_t size = archive_entry_size (ent);

  *path = *lpath = NULL;
  if (name == NULL)
    return fg_err_set (e, FG_E_INPUT, "%s: member without a name", where);
  if (fg_member_path (name, path, where, e) < 0)
    return -1;
  if (link && fg_member_path (link, lpath, where, e) < 0)
    goto fail;
  if (size < 0 || (uint64_t) size > VHD_MAX_DISK_SIZE) {
    fg_err_set (e, FG_E_INPUT, "%s: claims %lld bytes, more than any "
                "next-gen disk holds", where, (long long) size);
    goto fail;
  }
  return 0;

fail:
  free (*path);
  free (*lpath);
  *path = *lpath = NULL;
  return -1;
}

struct scan {
  uint64_t entries, data, dirs, meta_blocks;
};

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
    la_int64_t size = archive_entry_size (ent);
    char *path, *lpath;

    fg_progress_update (&p, fg_tar_in_pos (t));
    where_member (t, ent, where, sizeof where);
    if ((rc = check_member (ent, &path, &lpath, where, e)) < 0)
      break;
    free (path);
    free (lpath);
    s->entries++;
    if (archive_entry_hardlink (ent))
      continue;
    switch (archive_entry_filetype (ent)) {
    case AE_IFREG:
      if (archive_entry_sparse_reset (ent) > 0) {
        la_int64_t off, len;
        while (archive_entry_sparse_next (ent, &off, &len) == ARCHIVE_OK)
          s->data += fg_fs_blocks_bytes ((uint64_t) (len > 0 ? len : 0)) + 4096;
      } else
        s->data += fg_fs_blocks_bytes ((uint64_t) size);
      /* An extent tree block now and then. */
      s->meta_blocks += (uint64_t) size / (128 * MIB);
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
  *bytes_in += fg_tar_in_pos (t);
  fg_progress_end (&p, rc == 0);
  fg_tar_close (t);
  if (rc == 0 && s->entries == 0)
    rc = fg_err_set (e, FG_E_INPUT, "'%s' holds no members", parts->name);
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

struct tar_data {
  struct fg_tar *t;
};

static int
tar_data (void *opaque, const void **buf, size_t *len, int64_t *off,
          struct fg_err *e)
{
  return fg_tar_read_block (((struct tar_data *) opaque)->t, buf, len, off, e);
}

/* Pass 2: every member into the file system. */
static int
populate (const struct fg_parts *parts, struct fg_fs *fs,
          enum fg_progress_mode pm, uint64_t *bytes_in, uint64_t *entries,
          struct fg_err *e)
{
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
    rc = check_member (ent, &path, &lpath, where, e);
    if (rc == 0)
      rc = fg_fs_add (fs, ent, path, lpath, tar_data, &td, where, e);
    (*entries)++;
    free (path);
    free (lpath);
    if (rc < 0)
      break;
  }
  *bytes_in += fg_tar_in_pos (t);
  fg_progress_end (&p, rc == 0);
  fg_tar_close (t);
  return rc < 0 ? -1 : 0;
}

int
fg_convert_file_parts (const struct fg_parts *parts, const char *out,
                       const struct fg_file_opts *o,
                       struct fg_file_result *res, struct fg_err *e)
{
  struct scan s;
  struct vhd_writer *w = NULL;
  struct fg_fs *fs = NULL;
  struct fg_fs_stats st;
  struct fg_e2io_target target;
  struct fg_fs_opts fo;
  uint8_t mbr[MBR_SECTOR];
  uint32_t disk_id = 0;
  uint64_t inodes;

  memset (res, 0, sizeof *res);
  memset (&target, 0, sizeof target);
  if (o->format != FG_DISK_VHD && o->format != FG_DISK_VHD_FIXED)
    return fg_err_set (e, FG_E_UNSUPPORTED, "a file-level image converts to "
                       "a VHD; convert that VHD to %s afterwards",
                       fg_disk_format_name (o->format));
  /* With the disk size known (the flavor's, from the server record) one
   * pass does: members are checked as they are written, and a bad one
   * still leaves nothing behind.  Otherwise a first pass reads the
   * headers to size the file system from the data. */
  if (o->min_disk == 0 && o->fs_size == 0) {
    if (scan_archive (parts, o->progress, &s, &res->bytes_in, e) < 0)
      return -1;
  } else
    memset (&s, 0, sizeof s);
  plan_size (&s, o, &res->fs_size, &inodes);
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
  if (populate (parts, fs, o->progress, &res->bytes_in, &res->entries, e) < 0)
    goto fail;
  if (fg_fs_close (fs, &st, e) < 0) {
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
  return vhd_writer_finish (w, res->uuid, e);

fail:
  fg_fs_abort (fs);
  vhd_writer_abort (w);
  return -1;
}
