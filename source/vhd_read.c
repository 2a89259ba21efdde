/* source/vhd_read.c --- open a VHD chain read-only and read its virtual disk
 *
 * Opening follows blktap's libvhd: the footer at the end of the file first,
 * the copy at offset 0 for dynamic and differencing disks whose trailing
 * footer is damaged, then the dynamic header and the BAT.  Every offset a
 * file gives is checked against the file before anything is read through
 * it, and the blocks the disk can use are checked not to overlap the
 * metadata or each other, so that reading later cannot wander.
 *
 * A differencing disk's parent comes from the caller's list or from its
 * parent locators (MacX, W2ku, W2ru, in header order; only inside the
 * child's own folder, see vhd.h), and must carry the
 * UUID the child names.  Reading resolves each sector through the chain:
 * a level's sector bitmap says which sectors it holds, the rest come from
 * the level below; a base dynamic disk reads the rest as zeros.
 *
 * Memory is the BAT (4 bytes per block) and one sector bitmap per level.
 */
#include "source/vhd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/endian.h"

/* A locator longer than this is not a path anyone wrote (PATH_MAX in
 * UTF-16); it is skipped as unusable rather than read. */
#define LOCATOR_MAX_READ 8192u

struct level {
  char *path;
  int fd;
  dev_t dev;
  ino_t ino;
  uint64_t file_size;
  uint64_t data_end;          /* where the trailing footer starts */
  uint64_t meta_end;          /* first byte a block may use */
  struct vhd_footer footer;
  struct vhd_header header;   /* dynamic and differencing only */
  uint32_t *bat;              /* host order, the NBLOCKS entries in use */
  uint32_t nblocks;
  uint32_t allocated;
  uint32_t bitmap_bytes;
  uint8_t *bitmap;            /* sector bitmap of block BITMAP_BLOCK */
  uint32_t bitmap_block;      /* VHD_NO_BLOCK: nothing cached */
};

struct vhd_chain {
  size_t depth;
  struct level *lv[VHD_MAX_CHAIN_READ];
};

/* ---- small helpers ---------------------------------------------------- */

static int
is_sparse_type (const struct level *l)
{
  return l->footer.disk_type != VHD_TYPE_FIXED;
}

static void
uuid_string (const uint8_t u[16], char out[37])
{
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;

  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = hex[u[i] >> 4];
    out[o++] = hex[u[i] & 15];
  }
  out[o] = '\0';
}

/* Read exactly LEN bytes at OFF.  A file that ends early was truncated
 * while open (every range was checked against its size at open time). */
static int
read_full (const struct level *l, void *buf, size_t len, uint64_t off,
           struct fg_err *e)
{
  uint8_t *p = buf;
  size_t done = 0;

  while (done < len) {
    ssize_t n = pread (l->fd, p + done, len - done, (off_t) (off + done));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return fg_err_errno (e, FG_E_IO, errno, "'%s': cannot read %zu bytes "
                           "at offset %llu", l->path, len - done,
                           (unsigned long long) (off + done));
    }
    if (n == 0)
      return fg_err_set (e, FG_E_INPUT, "'%s': file ends at offset %llu, "
                         "inside the %zu bytes read at offset %llu "
                         "(truncated while open?)", l->path,
                         (unsigned long long) (off + done), len,
                         (unsigned long long) off);
    done += (size_t) n;
  }
  return 0;
}

/* Does [OFF, OFF+LEN) lie inside [LO, HI)?  Written so that no sum can
 * wrap, whatever the file claims. */
static int
range_inside (uint64_t off, uint64_t len, uint64_t lo, uint64_t hi)
{
  return off >= lo && off <= hi && len <= hi - off;
}

static int
ranges_overlap (uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
  return a < b + blen && b < a + alen;
}

/* ---- footer ----------------------------------------------------------- */

static int
read_footer_at (const struct level *l, uint64_t off, struct vhd_footer *f,
                struct fg_err *e)
{
  uint8_t buf[VHD_FOOTER_SIZE];

  if (read_full (l, buf, sizeof buf, off, e) < 0)
    return -1;
  vhd_footer_decode (buf, f);
  return 0;
}

/* The trailing footer, or for a dynamic/differencing disk whose trailing
 * footer is damaged, the copy at offset 0 (blktap's order).  A fixed disk
 * has only the trailing one. */
static int
load_footer (struct level *l, struct fg_err *e)
{
  struct vhd_footer tail, head;

  if (l->file_size < VHD_FOOTER_SIZE)
    return fg_err_set (e, FG_E_INPUT, "'%s': file is %llu bytes, too small "
                       "for a VHD footer (512 bytes)", l->path,
                       (unsigned long long) l->file_size);
  if (read_footer_at (l, l->file_size - VHD_FOOTER_SIZE, &tail, e) < 0)
    return -1;
  l->footer = tail;
  l->data_end = l->file_size - VHD_FOOTER_SIZE;
  if (!(tail.cookie_ok && tail.checksum_ok) &&
      l->file_size >= 2 * VHD_FOOTER_SIZE) {
    if (read_footer_at (l, 0, &head, e) < 0)
      return -1;
    if (head.cookie_ok && head.checksum_ok &&
        head.disk_type != VHD_TYPE_FIXED) {
      /* Nothing valid trails the data, so blocks may reach the end. */
      l->footer = head;
      l->data_end = l->file_size;
    }
  }
  if (vhd_footer_check (&l->footer, l->path, e) < 0)
    return -1;
  if (l->footer.disk_type == VHD_TYPE_FIXED) {
    uint64_t want = (l->footer.current_size + VHD_SECTOR - 1) / VHD_SECTOR
      * VHD_SECTOR + VHD_FOOTER_SIZE;
    if (l->file_size != want)
      return fg_err_set (e, FG_E_INPUT, "'%s': footer: fixed disk of %llu "
                         "bytes needs a file of %llu bytes, but the file has "
                         "%llu", l->path,
                         (unsigned long long) l->footer.current_size,
                         (unsigned long long) want,
                         (unsigned long long) l->file_size);
  }
  return 0;
}

/* ---- dynamic header, batmap, locators ----------------------------------- */

static int
load_header (struct level *l, struct fg_err *e)
{
  uint8_t buf[VHD_HEADER_SIZE];
  uint64_t off = l->footer.data_offset;

  if (!range_inside (off, VHD_HEADER_SIZE, VHD_FOOTER_SIZE, l->data_end))
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: dynamic header offset "
                       "%llu: its 1024 bytes do not fit before the trailing "
                       "footer at %llu (file size %llu)", l->path,
                       (unsigned long long) off,
                       (unsigned long long) l->data_end,
                       (unsigned long long) l->file_size);
  if (read_full (l, buf, sizeof buf, off, e) < 0)
    return -1;
  vhd_header_decode (buf, &l->header);
  if (vhd_header_check (&l->header, &l->footer, l->path, e) < 0)
    return -1;
  l->meta_end = off + VHD_HEADER_SIZE;
  return 0;
}

static int
check_bat_place (struct level *l, struct fg_err *e)
{
  const struct vhd_header *h = &l->header;
  uint64_t bytes = vhd_bat_bytes (h->max_table_entries);

  if (!range_inside (h->table_offset, bytes, VHD_FOOTER_SIZE, l->data_end))
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: BAT of %u "
                       "entries at offset %llu runs past the trailing footer "
                       "at %llu (file size %llu)", l->path,
                       h->max_table_entries,
                       (unsigned long long) h->table_offset,
                       (unsigned long long) l->data_end,
                       (unsigned long long) l->file_size);
  if (ranges_overlap (h->table_offset, bytes, l->footer.data_offset,
                      VHD_HEADER_SIZE))
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: BAT at offset "
                       "%llu (%llu bytes) overlaps the dynamic header at %llu",
                       l->path, (unsigned long long) h->table_offset,
                       (unsigned long long) bytes,
                       (unsigned long long) l->footer.data_offset);
  if (h->table_offset + bytes > l->meta_end)
    l->meta_end = h->table_offset + bytes;
  return 0;
}

/* blktap's batmap follows the BAT in "tap" 1.2+ files.  It is not needed
 * for reading, but its space is metadata that no block may use. */
static int
account_batmap (struct level *l, struct fg_err *e)
{
  uint8_t buf[VHD_SECTOR];
  struct vhd_batmap_header b;
  uint64_t off = l->header.table_offset +
    vhd_bat_bytes (l->header.max_table_entries);
  uint64_t map_bytes;

  if (memcmp (l->footer.creator_app, VHD_CREATOR_TAP, 3) != 0 ||
      l->footer.creator_version < 0x00010002u ||
      !range_inside (off, VHD_SECTOR, VHD_FOOTER_SIZE, l->data_end))
    return 0;
  if (read_full (l, buf, sizeof buf, off, e) < 0)
    return -1;
  vhd_batmap_header_decode (buf, &b);
  if (!b.cookie_ok)
    return 0;
  map_bytes = (uint64_t) b.map_sectors * VHD_SECTOR;
  if (!range_inside (b.map_offset, map_bytes, VHD_FOOTER_SIZE, l->data_end))
    return fg_err_set (e, FG_E_INPUT, "'%s': batmap header at offset %llu: "
                       "map of %u sectors at offset %llu runs past the "
                       "trailing footer at %llu", l->path,
                       (unsigned long long) off, b.map_sectors,
                       (unsigned long long) b.map_offset,
                       (unsigned long long) l->data_end);
  if (off + VHD_SECTOR > l->meta_end)
    l->meta_end = off + VHD_SECTOR;
  if (b.map_offset + map_bytes > l->meta_end)
    l->meta_end = b.map_offset + map_bytes;
  return 0;
}

static int
valid_locator_code (uint32_t code)
{
  switch (code) {
  case VHD_LOC_NONE: case VHD_LOC_WI2R: case VHD_LOC_WI2K:
  case VHD_LOC_W2RU: case VHD_LOC_W2KU: case VHD_LOC_MAC: case VHD_LOC_MACX:
    return 1;
  }
  return 0;
}

static int
check_locators (struct level *l, struct fg_err *e)
{
  for (int i = 0; i < VHD_MAX_LOCATORS; i++) {
    const struct vhd_locator *loc = &l->header.loc[i];
    uint64_t space = vhd_locator_space_bytes (loc);

    if (!valid_locator_code (loc->code))
      return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: parent "
                         "locator %d has unknown platform code 0x%08x",
                         l->path, i, loc->code);
    if (loc->code == VHD_LOC_NONE)
      continue;
    if (loc->reserved != 0)
      return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: parent "
                         "locator %d: reserved field is 0x%08x, not zero",
                         l->path, i, loc->reserved);
    if (loc->data_len > space)
      return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: parent "
                         "locator %d: data length %u is more than its data "
                         "space of %llu bytes", l->path, i, loc->data_len,
                         (unsigned long long) space);
    if (!range_inside (loc->data_offset, space, VHD_FOOTER_SIZE, l->data_end))
      return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: parent "
                         "locator %d: %llu bytes at offset %llu are not "
                         "inside the file before the trailing footer at %llu",
                         l->path, i, (unsigned long long) space,
                         (unsigned long long) loc->data_offset,
                         (unsigned long long) l->data_end);
    if (loc->data_offset + space > l->meta_end)
      l->meta_end = loc->data_offset + space;
  }
  return 0;
}

/* ---- BAT and blocks --------------------------------------------------- */

static int
cmp_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
  return x < y ? -1 : x > y;
}

static uint32_t
bat_index_of (const struct level *l, uint32_t sector, uint32_t skip)
{
  for (uint32_t i = 0; i < l->nblocks; i++)
    if (l->bat[i] == sector && i != skip)
      return i;
  return VHD_NO_BLOCK;
}

static int
check_block_place (struct level *l, uint32_t i, struct fg_err *e)
{
  uint64_t start = (uint64_t) l->bat[i] * VHD_SECTOR;
  uint64_t span = (uint64_t) l->bitmap_bytes + l->header.block_size;

  if (start >= l->file_size)
    return fg_err_set (e, FG_E_INPUT, "'%s': BAT entry %u points to sector "
                       "%u past the end of the file (size %llu)", l->path, i,
                       l->bat[i], (unsigned long long) l->file_size);
  if (start < l->meta_end)
    return fg_err_set (e, FG_E_INPUT, "'%s': BAT entry %u points to sector "
                       "%u, inside the metadata (which ends at offset %llu)",
                       l->path, i, l->bat[i],
                       (unsigned long long) l->meta_end);
  if (!range_inside (start, span, l->meta_end, l->data_end))
    return fg_err_set (e, FG_E_INPUT, "'%s': BAT entry %u: block at sector "
                       "%u (%llu bytes with its bitmap) runs past the "
                       "trailing footer at offset %llu (file size %llu)",
                       l->path, i, l->bat[i], (unsigned long long) span,
                       (unsigned long long) l->data_end,
                       (unsigned long long) l->file_size);
  return 0;
}

/* No two allocated blocks may share bytes: sort their sectors and compare
 * neighbours.  Only a failure goes back to the BAT to name the entries. */
static int
check_overlaps (struct level *l, struct fg_err *e)
{
  uint64_t span = (uint64_t) l->bitmap_bytes + l->header.block_size;
  uint32_t *s, n = 0;
  int rc = 0;

  if (l->allocated < 2)
    return 0;
  s = malloc ((size_t) l->allocated * sizeof *s);
  if (s == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s': BAT", l->path);
  for (uint32_t i = 0; i < l->nblocks; i++)
    if (l->bat[i] != VHD_NO_BLOCK)
      s[n++] = l->bat[i];
  qsort (s, n, sizeof *s, cmp_u32);
  for (uint32_t k = 0; k + 1 < n; k++)
    if ((uint64_t) s[k] * VHD_SECTOR + span >
        (uint64_t) s[k + 1] * VHD_SECTOR) {
      uint32_t a = bat_index_of (l, s[k], VHD_NO_BLOCK);
      uint32_t b = bat_index_of (l, s[k + 1], a);
      rc = fg_err_set (e, FG_E_INPUT, "'%s': BAT entries %u and %u: blocks "
                       "at sectors %u and %u overlap (each block is %llu "
                       "bytes with its bitmap)", l->path, a, b, s[k],
                       s[k + 1], (unsigned long long) span);
      break;
    }
  free (s);
  return rc;
}

static int
load_bat (struct level *l, struct fg_err *e)
{
  const struct vhd_header *h = &l->header;
  uint8_t *raw;

  l->nblocks = (uint32_t) ((l->footer.current_size + h->block_size - 1)
                           / h->block_size);
  l->bitmap_bytes = vhd_bitmap_bytes (h->block_size);
  l->bitmap = malloc (l->bitmap_bytes);
  l->bat = malloc ((size_t) l->nblocks * sizeof *l->bat);
  if (l->bitmap == NULL || l->bat == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s': BAT", l->path);
  l->bitmap_block = VHD_NO_BLOCK;
  /* Decode in place: entry I's 4 bytes sit where bat[I] will be. */
  raw = (uint8_t *) l->bat;
  if (read_full (l, raw, (size_t) l->nblocks * 4, h->table_offset, e) < 0)
    return -1;
  for (uint32_t i = 0; i < l->nblocks; i++) {
    l->bat[i] = fg_be32dec (raw + (size_t) i * 4);
    if (l->bat[i] == VHD_NO_BLOCK)
      continue;
    if (check_block_place (l, i, e) < 0)
      return -1;
    l->allocated++;
  }
  return check_overlaps (l, e);
}

/* ---- one file ---------------------------------------------------------- */

static void
level_free (struct level *l)
{
  if (l == NULL)
    return;
  if (l->fd >= 0)
    close (l->fd);
  free (l->path);
  free (l->bat);
  free (l->bitmap);
  free (l);
}

/* The newest level is the same file as level I. */
static int
loop_error (const struct vhd_chain *c, size_t i, struct fg_err *e)
{
  const char *child = c->lv[c->depth - 2]->path;
  const char *again = c->lv[c->depth - 1]->path, *first = c->lv[i]->path;

  if (strcmp (again, first) == 0)
    return fg_err_set (e, FG_E_INPUT, "'%s': parent chain loops: its parent "
                       "'%s' is already level %zu of the chain", child, again,
                       i);
  return fg_err_set (e, FG_E_INPUT, "'%s': parent chain loops: its parent "
                     "'%s' is already level %zu of the chain ('%s', the same "
                     "file)", child, again, i, first);
}

/* Open PATH as level C->depth.  Refuses a file that is already in the
 * chain before reading any of it, so a loop cannot recurse. */
static int
level_open (struct vhd_chain *c, const char *path, struct fg_err *e)
{
  struct level *l = calloc (1, sizeof *l);
  struct stat st;
  off_t end;

  if (l == NULL || (l->path = strdup (path)) == NULL) {
    free (l);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  }
  c->lv[c->depth++] = l;
  /* O_NONBLOCK: a FIFO named by a locator must not hang us. */
  l->fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (l->fd < 0)
    return fg_err_errno (e, errno == EIO ? FG_E_IO : FG_E_INPUT, errno,
                         "cannot open '%s'", path);
  if (fstat (l->fd, &st) < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot stat '%s'", path);
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode))
    return fg_err_set (e, FG_E_INPUT, "'%s' is not a regular file or a "
                       "block device", path);
  l->dev = st.st_dev;
  l->ino = st.st_ino;
  for (size_t i = 0; i + 1 < c->depth; i++)
    if (c->lv[i]->dev == l->dev && c->lv[i]->ino == l->ino)
      return loop_error (c, i, e);
  /* lseek rather than st_size: block devices report 0 there. */
  end = lseek (l->fd, 0, SEEK_END);
  if (end < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot find the size of '%s'",
                         path);
  l->file_size = (uint64_t) end;
  if (load_footer (l, e) < 0)
    return -1;
  if (!is_sparse_type (l))
    return 0;
  if (load_header (l, e) < 0 || check_bat_place (l, e) < 0 ||
      account_batmap (l, e) < 0)
    return -1;
  /* A dynamic disk's parent fields are not its business: ignore them. */
  if (l->footer.disk_type == VHD_TYPE_DIFF && check_locators (l, e) < 0)
    return -1;
  return load_bat (l, e);
}

/* ---- finding a parent ------------------------------------------------- */

/* "DIR/REL" with DIR the folder of CHILD; a leading "./" of REL is
 * dropped so that the name reads as the user would write it. */
static char *
beside (const char *child, const char *rel)
{
  CLEANUP_FREE char *copy = strdup (child);
  char *out;
  const char *dir;

  if (copy == NULL)
    return NULL;
  while (rel[0] == '.' && rel[1] == '/')
    rel += 2;
  dir = dirname (copy);
  if (asprintf (&out, "%s%s%s", dir, dir[strlen (dir) - 1] == '/' ? "" : "/",
                rel) < 0)
    return NULL;
  return out;
}

static void
append_tried (char *list, size_t cap, const char *cand)
{
  size_t n = strlen (list);

  if (strstr (list, cand) != NULL)
    return;
  snprintf (list + n, cap - n, "%s%s", n ? ", " : "", cand);
}

/* The locator path P as a name inside the child's folder, into OUT: a
 * parent is looked for beside its child, never where the file says.  An
 * absolute path gives its last component (the folder it names is the
 * one the disk was made in, on some other host); a relative one is
 * taken as it is, without "." components.  0 when it climbs out with
 * "..", or is empty. */
static int
locator_in_folder (const char *p, char *out, size_t cap)
{
  size_t o = 0;

  if (p[0] == '/')
    p = strrchr (p, '/') + 1;
  while (*p) {
    const char *slash = strchr (p, '/');
    size_t len = slash ? (size_t) (slash - p) : strlen (p);
    if (len == 2 && p[0] == '.' && p[1] == '.')
      return 0;
    if (len > 0 && !(len == 1 && p[0] == '.')) {
      if (o + len + 2 > cap)
        return 0;
      if (o)
        out[o++] = '/';
      memcpy (out + o, p, len);
      o += len;
    }
    p += len;
    while (*p == '/')
      p++;
  }
  out[o] = '\0';
  return o > 0;
}

/* Is CAND (an existing file) inside FOLDER once symlinks are resolved?
 * On success *REAL is its real path, which is what gets opened. */
static int
inside_folder (const char *folder, const char *cand, char **real)
{
  CLEANUP_FREE char *rdir = realpath (folder, NULL);
  char *rc = realpath (cand, NULL);
  size_t n;

  *real = NULL;
  if (rdir == NULL || rc == NULL) {
    free (rc);
    return 0;
  }
  n = strlen (rdir);
  if (strncmp (rc, rdir, n) == 0 && (rc[n] == '/' || (n == 1 && rdir[0] == '/'))) {
    *real = rc;
    return 1;
  }
  free (rc);
  return 0;
}

static int
read_locator (const struct level *l, const struct vhd_locator *loc,
              char *out, size_t cap, struct fg_err *e)
{
  CLEANUP_FREE uint8_t *data = NULL;

  if (loc->data_len == 0 || loc->data_len > LOCATOR_MAX_READ)
    return 0;
  data = malloc (loc->data_len);
  if (data == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s': locator", l->path);
  if (read_full (l, data, loc->data_len, loc->data_offset, e) < 0)
    return -1;
  return vhd_locator_decode (loc->code, data, loc->data_len, out, cap) == 0;
}

static void
parent_name (const struct level *l, char *out, size_t cap)
{
  if (vhd_parent_name_decode (l->header.parent_name, out, cap) < 0 ||
      out[0] == '\0')
    snprintf (out, cap, "(unnamed)");
}

static const char *
locator_kind (uint32_t code)
{
  return code == VHD_LOC_W2RU ? "W2ru" : code == VHD_LOC_W2KU ? "W2ku"
    : "MacX";
}

/* A parent found through the child's locators must lie in the child's
 * own folder: a hostile disk must not pull another tenant's disk (or any
 * host file) into this customer's image.  Messages name the child and
 * the locators' own text, never a host path outside that folder. */
static int
find_parent (const struct level *l, char **found, struct fg_err *e)
{
  char tried[1024] = "", refused[1024] = "";
  char name[VHD_PARENT_NAME_BYTES / 2 + 1];
  char path[LOCATOR_MAX_READ / 2 + 1], rel[LOCATOR_MAX_READ / 2 + 1];
  CLEANUP_FREE char *copy = strdup (l->path);
  const char *folder;
  int usable = 0;

  *found = NULL;
  if (copy == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", l->path);
  folder = dirname (copy);
  for (int i = 0; i < VHD_MAX_LOCATORS; i++) {
    const struct vhd_locator *loc = &l->header.loc[i];
    char *cand, *real;
    struct stat st;
    int rc;

    if (loc->code != VHD_LOC_W2RU && loc->code != VHD_LOC_W2KU &&
        loc->code != VHD_LOC_MACX)
      continue;
    rc = read_locator (l, loc, path, sizeof path, e);
    if (rc < 0)
      return -1;
    if (rc == 0)
      continue;
    usable++;
    if (!locator_in_folder (path, rel, sizeof rel)) {
      char what[sizeof path + 16];
      snprintf (what, sizeof what, "%s '%s'", locator_kind (loc->code), path);
      append_tried (refused, sizeof refused, what);
      continue;
    }
    cand = beside (l->path, rel);
    if (cand == NULL)
      return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", l->path);
    if (lstat (cand, &st) != 0) {
      append_tried (tried, sizeof tried, rel);
      free (cand);
      continue;
    }
    if (!inside_folder (folder, cand, &real)) {
      /* A symlink (or a folder of one) that leads out of the folder. */
      char what[sizeof path + 32];
      snprintf (what, sizeof what, "%s '%s' (a link out of it)",
                locator_kind (loc->code), path);
      append_tried (refused, sizeof refused, what);
      free (cand);
      continue;
    }
    free (cand);
    *found = real;
    return 0;
  }
  parent_name (l, name, sizeof name);
  if (usable == 0)
    fg_err_set (e, FG_E_INPUT, "'%s': differencing disk has no usable parent "
                "locator to find its parent '%s'", l->path, name);
  else if (tried[0])
    fg_err_set (e, FG_E_INPUT, "'%s': parent '%s' not found beside it "
                "(looked for %s)%s%s", l->path, name, tried,
                refused[0] ? "; not followed, outside its folder: " : "",
                refused);
  else
    fg_err_set (e, FG_E_INPUT, "'%s': its parent locators lead outside "
                "its folder (%s): not followed", l->path, refused);
  fg_err_hint (e, "put the parent beside the child, or name it with --parent");
  return -1;
}

/* The parent PATH just opened as level C->depth - 1: is it the one its
 * child names, and not larger than it? */
static int
check_parent (const struct vhd_chain *c, struct fg_err *e)
{
  const struct level *child = c->lv[c->depth - 2];
  const struct level *parent = c->lv[c->depth - 1];
  char want[37], got[37];

  if (memcmp (child->header.parent_uuid, parent->footer.uuid, 16) != 0) {
    uuid_string (child->header.parent_uuid, want);
    uuid_string (parent->footer.uuid, got);
    fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: parent UUID %s does "
                "not match the UUID %s of parent '%s'", child->path, want, got,
                parent->path);
    fg_err_hint (e, "pass the right parent file with --parent");
    return -1;
  }
  if (child->footer.current_size < parent->footer.current_size)
    return fg_err_set (e, FG_E_INPUT, "'%s': disk size %llu bytes is smaller "
                       "than its parent '%s' (%llu bytes)", child->path,
                       (unsigned long long) child->footer.current_size,
                       parent->path,
                       (unsigned long long) parent->footer.current_size);
  return 0;
}

/* ---- chain ------------------------------------------------------------ */

int
vhd_probe_file (const char *path, struct fg_err *e)
{
  uint8_t buf[8];
  struct stat st;
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &st) < 0)
    return fg_err_errno (e, FG_E_INPUT, errno, "cannot open '%s'", path);
  if (pread (fd, buf, 8, 0) == 8 && vhd_is_footer_cookie (buf))
    return 1;
  if (st.st_size >= (off_t) VHD_FOOTER_SIZE &&
      pread (fd, buf, 8, st.st_size - (off_t) VHD_FOOTER_SIZE) == 8 &&
      vhd_is_footer_cookie (buf))
    return 1;
  return 0;
}

int
vhd_chain_open (struct vhd_chain **out, const char *path,
                const char *const *parents, size_t nparents,
                struct fg_err *e)
{
  struct vhd_chain *c = calloc (1, sizeof *c);
  char *next = NULL;

  *out = NULL;
  if (c == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "VHD chain");
  if (level_open (c, path, e) < 0)
    goto fail;
  for (;;) {
    const struct level *l = c->lv[c->depth - 1];
    size_t idx = c->depth - 1;    /* index into PARENTS for l's parent */

    if (l->footer.disk_type != VHD_TYPE_DIFF)
      break;
    if (c->depth == VHD_MAX_CHAIN_READ) {
      fg_err_set (e, FG_E_INPUT, "'%s': parent chain is deeper than %d "
                  "files", path, VHD_MAX_CHAIN_READ);
      goto fail;
    }
    if (idx < nparents) {
      next = strdup (parents[idx]);
      if (next == NULL) {
        fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "VHD chain");
        goto fail;
      }
    } else if (find_parent (l, &next, e) < 0)
      goto fail;
    if (level_open (c, next, e) < 0 || check_parent (c, e) < 0)
      goto fail;
    free (next);
    next = NULL;
  }
  if (nparents > c->depth - 1) {
    fg_err_set (e, FG_E_USAGE, "parent '%s' was given, but '%s' has no "
                "parent", parents[c->depth - 1], c->lv[c->depth - 1]->path);
    goto fail;
  }
  *out = c;
  return 0;

fail:
  free (next);
  vhd_chain_close (c);
  return -1;
}

void
vhd_chain_close (struct vhd_chain *c)
{
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->depth; i++)
    level_free (c->lv[i]);
  free (c);
}

uint64_t
vhd_chain_size (const struct vhd_chain *c)
{
  return c->lv[0]->footer.current_size;
}

size_t
vhd_chain_depth (const struct vhd_chain *c)
{
  return c->depth;
}

const char *
vhd_chain_path (const struct vhd_chain *c, size_t level)
{
  return level < c->depth ? c->lv[level]->path : NULL;
}

const struct vhd_footer *
vhd_chain_footer (const struct vhd_chain *c, size_t level)
{
  return level < c->depth ? &c->lv[level]->footer : NULL;
}

const struct vhd_header *
vhd_chain_header (const struct vhd_chain *c, size_t level)
{
  if (level >= c->depth || !is_sparse_type (c->lv[level]))
    return NULL;
  return &c->lv[level]->header;
}

uint32_t
vhd_chain_allocated_blocks (const struct vhd_chain *c, size_t level)
{
  const struct level *l;

  if (level >= c->depth)
    return 0;
  l = c->lv[level];
  if (!is_sparse_type (l))
    return (uint32_t) ((l->footer.current_size + VHD_BLOCK_SIZE - 1)
                       / VHD_BLOCK_SIZE);
  return l->allocated;
}

uint64_t
vhd_chain_file_size (const struct vhd_chain *c, size_t level)
{
  return level < c->depth ? c->lv[level]->file_size : 0;
}

/* ---- reading ---------------------------------------------------------- */

static int read_level (struct vhd_chain *c, size_t lvl, uint8_t *buf,
                       uint64_t off, size_t len, struct fg_err *e);

/* What lies under level LVL: its parent, or zeros for a base. */
static int
read_below (struct vhd_chain *c, size_t lvl, uint8_t *buf, uint64_t off,
            size_t len, struct fg_err *e)
{
  if (c->lv[lvl]->footer.disk_type == VHD_TYPE_DIFF && lvl + 1 < c->depth)
    return read_level (c, lvl + 1, buf, off, len, e);
  memset (buf, 0, len);
  return 0;
}

static int
load_bitmap (struct level *l, uint32_t blk, struct fg_err *e)
{
  if (l->bitmap_block == blk)
    return 0;
  l->bitmap_block = VHD_NO_BLOCK;
  if (read_full (l, l->bitmap, l->bitmap_bytes,
                 (uint64_t) l->bat[blk] * VHD_SECTOR, e) < 0)
    return -1;
  l->bitmap_block = blk;
  return 0;
}

/* First sector at or after S, below END, whose bit differs from V. */
static uint32_t
run_end (const uint8_t *map, uint32_t s, uint32_t end, int v)
{
  uint8_t same = v ? 0xff : 0x00;

  while (s < end) {
    if ((s & 7) == 0 && s + 8 <= end && map[s >> 3] == same)
      s += 8;
    else if (vhd_bit_test (map, s) == v)
      s++;
    else
      break;
  }
  return s;
}

/* A read from the start of a block whose bitmap is not cached: bitmap
 * and data are adjacent in the file, so one preadv fetches both.  Returns
 * 1 when BUF holds the file's bytes, 0 when the caller must read as usual
 * (short read: the usual path reports it properly). */
static int
load_bitmap_and_data (struct level *l, uint32_t blk, uint8_t *buf,
                      size_t len)
{
  struct iovec iov[2] = {
    { l->bitmap, l->bitmap_bytes },
    { buf, len },
  };
  ssize_t n;

  l->bitmap_block = VHD_NO_BLOCK;
  do
    n = preadv (l->fd, iov, 2, (off_t) ((uint64_t) l->bat[blk] * VHD_SECTOR));
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t) (l->bitmap_bytes + len))
    return 0;
  l->bitmap_block = blk;
  return 1;
}

/* LEN bytes at OFF, all inside block BLK of level L (allocated): runs of
 * set bits from this file, runs of clear bits from below.  A full bitmap
 * costs one read per block. */
static int
read_in_block (struct vhd_chain *c, size_t lvl, uint32_t blk, uint8_t *buf,
               uint64_t off, size_t len, struct fg_err *e)
{
  struct level *l = c->lv[lvl];
  uint32_t bs = l->header.block_size;
  uint64_t data = (uint64_t) l->bat[blk] * VHD_SECTOR + l->bitmap_bytes;
  uint32_t in = (uint32_t) (off % bs), stop = in + (uint32_t) len;
  int have = 0;

  if (l->bitmap_block != blk && in == 0)
    have = load_bitmap_and_data (l, blk, buf, len);
  if (!have && load_bitmap (l, blk, e) < 0)
    return -1;
  while (in < stop) {
    uint32_t s = in / VHD_SECTOR;
    int v = vhd_bit_test (l->bitmap, s);
    uint32_t last = (stop - 1) / VHD_SECTOR + 1;
    uint32_t to = run_end (l->bitmap, s, last, v) * VHD_SECTOR;
    uint8_t *p = buf + (in - (uint32_t) (off % bs));
    int rc = 0;

    if (to > stop)
      to = stop;
    if (!v)
      rc = read_below (c, lvl, p, off - off % bs + in, to - in, e);
    else if (!have)
      rc = read_full (l, p, to - in, data + in, e);
    if (rc < 0)
      return -1;
    in = to;
  }
  return 0;
}

static int
read_level (struct vhd_chain *c, size_t lvl, uint8_t *buf, uint64_t off,
            size_t len, struct fg_err *e)
{
  struct level *l = c->lv[lvl];
  uint64_t size = l->footer.current_size;

  /* A parent smaller than its child reads as zeros past its end. */
  if (off >= size) {
    memset (buf, 0, len);
    return 0;
  }
  if (len > size - off) {
    memset (buf + (size - off), 0, len - (size_t) (size - off));
    len = (size_t) (size - off);
  }
  if (!is_sparse_type (l))
    return read_full (l, buf, len, off, e);
  while (len > 0) {
    uint32_t bs = l->header.block_size;
    uint32_t blk = (uint32_t) (off / bs);
    size_t n = bs - (size_t) (off % bs);
    int rc;

    if (n > len)
      n = len;
    if (l->bat[blk] == VHD_NO_BLOCK)
      rc = read_below (c, lvl, buf, off, n, e);
    else
      rc = read_in_block (c, lvl, blk, buf, off, n, e);
    if (rc < 0)
      return -1;
    buf += n;
    off += n;
    len -= n;
  }
  return 0;
}

int
vhd_chain_read (struct vhd_chain *c, void *buf, uint64_t off, size_t len,
                struct fg_err *e)
{
  uint64_t size = vhd_chain_size (c);

  if (off > size || len > size - off)
    return fg_err_set (e, FG_E_INTERNAL, "read of %zu bytes at offset %llu "
                       "is past the end of '%s' (%llu bytes)", len,
                       (unsigned long long) off, c->lv[0]->path,
                       (unsigned long long) size);
  return read_level (c, 0, buf, off, len, e);
}

int
vhd_chain_may_have_data (const struct vhd_chain *c, uint64_t off,
                         uint64_t len)
{
  for (size_t lvl = 0; lvl < c->depth; lvl++) {
    const struct level *l = c->lv[lvl];
    uint64_t size = l->footer.current_size, end;

    if (off < size && len > 0) {
      end = len > size - off ? size : off + len;
      if (!is_sparse_type (l))
        return 1;
      for (uint64_t b = off / l->header.block_size;
           b <= (end - 1) / l->header.block_size; b++)
        if (l->bat[b] != VHD_NO_BLOCK)
          return 1;
    }
    if (l->footer.disk_type != VHD_TYPE_DIFF)
      break;
  }
  return 0;
}
