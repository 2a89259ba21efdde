/* source/vhd_format.c --- field offsets, checksums and geometry of VHD 1.0
 *
 * Every offset below is from the VHD 1.0 specification as blktap
 * (include/vhd.h) and qemu (block/vpc.c) read it; ../shared/VHD.md holds
 * the tables.  All integers are big-endian.
 */
#include "source/vhd_format.h"

#include <string.h>

#include "util/endian.h"

/* Footer. */
enum {
  F_COOKIE = 0, F_FEATURES = 8, F_VERSION = 12, F_DATA_OFFSET = 16,
  F_TIMESTAMP = 24, F_CREATOR_APP = 28, F_CREATOR_VER = 32,
  F_CREATOR_OS = 36, F_ORIG_SIZE = 40, F_CURR_SIZE = 48, F_CYLS = 56,
  F_HEADS = 58, F_SPT = 59, F_TYPE = 60, F_CHECKSUM = 64, F_UUID = 68,
  F_SAVED = 84, F_HIDDEN = 85, F_RESERVED = 86,
};

/* Dynamic disk header. */
enum {
  H_COOKIE = 0, H_DATA_OFFSET = 8, H_TABLE_OFFSET = 16, H_VERSION = 24,
  H_MAX_ENTRIES = 28, H_BLOCK_SIZE = 32, H_CHECKSUM = 36,
  H_PARENT_UUID = 40, H_PARENT_TS = 56, H_RESERVED1 = 60,
  H_PARENT_NAME = 64, H_LOCATORS = 576, H_LOCATOR_SIZE = 24,
  H_RESERVED2 = 768,
};

/* Batmap header. */
enum {
  B_COOKIE = 0, B_OFFSET = 8, B_SIZE = 16, B_VERSION = 20, B_CHECKSUM = 24,
  B_MARKER = 28,
};

static const char footer_cookie[8] = { 'c','o','n','e','c','t','i','x' };
static const char header_cookie[8] = { 'c','x','s','p','a','r','s','e' };
static const char batmap_cookie[8] = { 't','d','b','a','t','m','a','p' };

uint32_t
vhd_checksum (const uint8_t *buf, size_t len, size_t cksum_off)
{
  uint32_t sum = 0;

  for (size_t i = 0; i < len; i++)
    if (i < cksum_off || i >= cksum_off + 4)
      sum += buf[i];
  return ~sum;
}

void
vhd_chs (uint64_t size, uint16_t *cyl, uint8_t *heads, uint8_t *spt)
{
  uint64_t total = (size + VHD_SECTOR - 1) / VHD_SECTOR;
  uint64_t cth, h, s;

  if (total == 0)
    total = 1;                  /* as blktap */
  if (total > 65535ull * 16 * 255)
    total = 65535ull * 16 * 255;
  if (total >= 65535ull * 16 * 63) {
    s = 255;
    h = 16;
    cth = total / s;
  } else {
    s = 17;
    cth = total / s;
    h = (cth + 1023) / 1024;
    if (h < 4)
      h = 4;
    if (cth >= h * 1024 || h > 16) {
      s = 31;
      h = 16;
      cth = total / s;
    }
    if (cth >= h * 1024) {
      s = 63;
      h = 16;
      cth = total / s;
    }
  }
  *cyl = (uint16_t) (cth / h);
  *heads = (uint8_t) h;
  *spt = (uint8_t) s;
}

uint32_t
vhd_time_from_unix (time_t t)
{
  if (t < VHD_UNIX_EPOCH_DELTA)
    return 0;
  return (uint32_t) (t - VHD_UNIX_EPOCH_DELTA);
}

time_t
vhd_time_to_unix (uint32_t t)
{
  return (time_t) t + VHD_UNIX_EPOCH_DELTA;
}

static int
all_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return 0;
  return 1;
}

void
vhd_footer_encode (struct vhd_footer *f, uint8_t out[VHD_FOOTER_SIZE])
{
  memset (out, 0, VHD_FOOTER_SIZE);
  memcpy (out + F_COOKIE, footer_cookie, 8);
  fg_be32enc (out + F_FEATURES, f->features);
  fg_be32enc (out + F_VERSION, f->format_version);
  fg_be64enc (out + F_DATA_OFFSET, f->data_offset);
  fg_be32enc (out + F_TIMESTAMP, f->timestamp);
  memcpy (out + F_CREATOR_APP, f->creator_app, 4);
  fg_be32enc (out + F_CREATOR_VER, f->creator_version);
  fg_be32enc (out + F_CREATOR_OS, f->creator_os);
  fg_be64enc (out + F_ORIG_SIZE, f->original_size);
  fg_be64enc (out + F_CURR_SIZE, f->current_size);
  fg_be16enc (out + F_CYLS, f->cylinders);
  out[F_HEADS] = f->heads;
  out[F_SPT] = f->sectors;
  fg_be32enc (out + F_TYPE, f->disk_type);
  memcpy (out + F_UUID, f->uuid, 16);
  out[F_SAVED] = f->saved_state;
  out[F_HIDDEN] = f->hidden;
  f->checksum = vhd_checksum (out, VHD_FOOTER_SIZE, F_CHECKSUM);
  fg_be32enc (out + F_CHECKSUM, f->checksum);
}

void
vhd_footer_decode (const uint8_t in[VHD_FOOTER_SIZE], struct vhd_footer *f)
{
  memset (f, 0, sizeof *f);
  f->cookie_ok = memcmp (in + F_COOKIE, footer_cookie, 8) == 0;
  f->features = fg_be32dec (in + F_FEATURES);
  f->format_version = fg_be32dec (in + F_VERSION);
  f->data_offset = fg_be64dec (in + F_DATA_OFFSET);
  f->timestamp = fg_be32dec (in + F_TIMESTAMP);
  memcpy (f->creator_app, in + F_CREATOR_APP, 4);
  f->creator_version = fg_be32dec (in + F_CREATOR_VER);
  f->creator_os = fg_be32dec (in + F_CREATOR_OS);
  f->original_size = fg_be64dec (in + F_ORIG_SIZE);
  f->current_size = fg_be64dec (in + F_CURR_SIZE);
  f->cylinders = fg_be16dec (in + F_CYLS);
  f->heads = in[F_HEADS];
  f->sectors = in[F_SPT];
  f->disk_type = fg_be32dec (in + F_TYPE);
  f->checksum = fg_be32dec (in + F_CHECKSUM);
  memcpy (f->uuid, in + F_UUID, 16);
  f->saved_state = in[F_SAVED];
  f->hidden = in[F_HIDDEN];
  f->checksum_ok =
    vhd_checksum (in, VHD_FOOTER_SIZE, F_CHECKSUM) == f->checksum;
  f->reserved_zero = all_zero (in + F_RESERVED, VHD_FOOTER_SIZE - F_RESERVED);
}

void
vhd_header_encode (struct vhd_header *h, uint8_t out[VHD_HEADER_SIZE])
{
  memset (out, 0, VHD_HEADER_SIZE);
  memcpy (out + H_COOKIE, header_cookie, 8);
  fg_be64enc (out + H_DATA_OFFSET, h->data_offset);
  fg_be64enc (out + H_TABLE_OFFSET, h->table_offset);
  fg_be32enc (out + H_VERSION, h->header_version);
  fg_be32enc (out + H_MAX_ENTRIES, h->max_table_entries);
  fg_be32enc (out + H_BLOCK_SIZE, h->block_size);
  memcpy (out + H_PARENT_UUID, h->parent_uuid, 16);
  fg_be32enc (out + H_PARENT_TS, h->parent_timestamp);
  memcpy (out + H_PARENT_NAME, h->parent_name, VHD_PARENT_NAME_BYTES);
  for (int i = 0; i < VHD_MAX_LOCATORS; i++) {
    uint8_t *p = out + H_LOCATORS + i * H_LOCATOR_SIZE;
    fg_be32enc (p, h->loc[i].code);
    fg_be32enc (p + 4, h->loc[i].data_space);
    fg_be32enc (p + 8, h->loc[i].data_len);
    fg_be32enc (p + 12, h->loc[i].reserved);
    fg_be64enc (p + 16, h->loc[i].data_offset);
  }
  h->checksum = vhd_checksum (out, VHD_HEADER_SIZE, H_CHECKSUM);
  fg_be32enc (out + H_CHECKSUM, h->checksum);
}

void
vhd_header_decode (const uint8_t in[VHD_HEADER_SIZE], struct vhd_header *h)
{
  memset (h, 0, sizeof *h);
  h->cookie_ok = memcmp (in + H_COOKIE, header_cookie, 8) == 0;
  h->data_offset = fg_be64dec (in + H_DATA_OFFSET);
  h->table_offset = fg_be64dec (in + H_TABLE_OFFSET);
  h->header_version = fg_be32dec (in + H_VERSION);
  h->max_table_entries = fg_be32dec (in + H_MAX_ENTRIES);
  h->block_size = fg_be32dec (in + H_BLOCK_SIZE);
  h->checksum = fg_be32dec (in + H_CHECKSUM);
  memcpy (h->parent_uuid, in + H_PARENT_UUID, 16);
  h->parent_timestamp = fg_be32dec (in + H_PARENT_TS);
  memcpy (h->parent_name, in + H_PARENT_NAME, VHD_PARENT_NAME_BYTES);
  for (int i = 0; i < VHD_MAX_LOCATORS; i++) {
    const uint8_t *p = in + H_LOCATORS + i * H_LOCATOR_SIZE;
    h->loc[i].code = fg_be32dec (p);
    h->loc[i].data_space = fg_be32dec (p + 4);
    h->loc[i].data_len = fg_be32dec (p + 8);
    h->loc[i].reserved = fg_be32dec (p + 12);
    h->loc[i].data_offset = fg_be64dec (p + 16);
  }
  h->checksum_ok =
    vhd_checksum (in, VHD_HEADER_SIZE, H_CHECKSUM) == h->checksum;
  h->reserved_zero = fg_be32dec (in + H_RESERVED1) == 0 &&
    all_zero (in + H_RESERVED2, VHD_HEADER_SIZE - H_RESERVED2);
}

void
vhd_batmap_header_encode (const struct vhd_batmap_header *b,
                          uint8_t out[VHD_SECTOR])
{
  memset (out, 0, VHD_SECTOR);
  memcpy (out + B_COOKIE, batmap_cookie, 8);
  fg_be64enc (out + B_OFFSET, b->map_offset);
  fg_be32enc (out + B_SIZE, b->map_sectors);
  fg_be32enc (out + B_VERSION, b->version);
  fg_be32enc (out + B_CHECKSUM, b->checksum);
  out[B_MARKER] = b->marker;
}

void
vhd_batmap_header_decode (const uint8_t in[VHD_SECTOR],
                          struct vhd_batmap_header *b)
{
  memset (b, 0, sizeof *b);
  b->cookie_ok = memcmp (in + B_COOKIE, batmap_cookie, 8) == 0;
  b->map_offset = fg_be64dec (in + B_OFFSET);
  b->map_sectors = fg_be32dec (in + B_SIZE);
  b->version = fg_be32dec (in + B_VERSION);
  b->checksum = fg_be32dec (in + B_CHECKSUM);
  b->marker = in[B_MARKER];
}

static int
is_power_of_two (uint32_t v)
{
  return v != 0 && (v & (v - 1)) == 0;
}

int
vhd_is_footer_cookie (const uint8_t p[8])
{
  return memcmp (p, footer_cookie, 8) == 0;
}

int
vhd_footer_check (const struct vhd_footer *f, const char *what,
                  struct fg_err *e)
{
  if (!f->cookie_ok)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: no 'conectix' cookie: "
                       "not a VHD, or truncated", what);
  if (!f->checksum_ok)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: checksum 0x%08x does "
                       "not match its contents", what, f->checksum);
  if ((f->format_version >> 16) != 1)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: unsupported format "
                       "version 0x%08x (expected 0x00010000)", what,
                       f->format_version);
  if (f->disk_type != VHD_TYPE_FIXED && f->disk_type != VHD_TYPE_DYNAMIC &&
      f->disk_type != VHD_TYPE_DIFF)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: unsupported disk type "
                       "%u (expected 2 fixed, 3 dynamic or 4 differencing)",
                       what, f->disk_type);
  if (f->current_size == 0 || f->current_size > VHD_MAX_DISK_SIZE)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: disk size %llu bytes "
                       "is outside 1 byte .. 2040 GiB", what,
                       (unsigned long long) f->current_size);
  if (f->disk_type == VHD_TYPE_FIXED) {
    if (f->data_offset != UINT64_MAX)
      return fg_err_set (e, FG_E_INPUT, "'%s': footer: fixed disk with "
                         "data offset %llu (expected all bits set)", what,
                         (unsigned long long) f->data_offset);
  } else if (f->data_offset < VHD_FOOTER_SIZE ||
             f->data_offset % VHD_SECTOR != 0)
    return fg_err_set (e, FG_E_INPUT, "'%s': footer: dynamic header offset "
                       "%llu is not a sector after the footer copy", what,
                       (unsigned long long) f->data_offset);
  return 0;
}

int
vhd_header_check (const struct vhd_header *h, const struct vhd_footer *f,
                  const char *what, struct fg_err *e)
{
  uint64_t need;

  if (!h->cookie_ok)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header at offset %llu: "
                       "no 'cxsparse' cookie", what,
                       (unsigned long long) f->data_offset);
  if (!h->checksum_ok)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: checksum "
                       "0x%08x does not match its contents", what,
                       h->checksum);
  if ((h->header_version >> 16) != 1)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: unsupported "
                       "version 0x%08x", what, h->header_version);
  if (!is_power_of_two (h->block_size) ||
      h->block_size < VHD_MIN_BLOCK_SIZE ||
      h->block_size > VHD_MAX_BLOCK_SIZE)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: block size %u "
                       "is not a power of two from 512 bytes to 2 MiB", what,
                       h->block_size);
  need = (f->current_size + h->block_size - 1) / h->block_size;
  if (h->max_table_entries < need)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: %u BAT entries "
                       "cannot cover %llu bytes of %u-byte blocks", what,
                       h->max_table_entries,
                       (unsigned long long) f->current_size, h->block_size);
  /* More entries than the largest disk could use is absurd, not generous. */
  if (h->max_table_entries > VHD_MAX_DISK_SIZE / h->block_size + 1)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: %u BAT entries "
                       "is more than any VHD can have", what,
                       h->max_table_entries);
  if (h->table_offset == 0 || h->table_offset % VHD_SECTOR != 0)
    return fg_err_set (e, FG_E_INPUT, "'%s': dynamic header: BAT offset %llu "
                       "is not a non-zero sector boundary", what,
                       (unsigned long long) h->table_offset);
  return 0;
}

uint64_t
vhd_bat_bytes (uint32_t entries)
{
  uint64_t b = (uint64_t) entries * 4;
  return (b + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
}

uint32_t
vhd_bitmap_bytes (uint32_t block_size)
{
  uint32_t bits = block_size / VHD_SECTOR;
  uint32_t bytes = (bits + 7) / 8;
  return (bytes + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
}

uint64_t
vhd_batmap_bytes (uint32_t entries)
{
  uint64_t b = ((uint64_t) entries + 7) / 8;
  if (b == 0)
    b = 1;
  return (b + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
}

uint32_t
vhd_batmap_cksum_sectors (uint64_t current_size)
{
  /* blktap: secs_round_up_no_zero(curr_size >> (VHD_BLOCK_SHIFT + 3)):
   * one bit per 2 MiB block, so 16 MiB of disk per map byte. */
  uint64_t bytes = current_size >> 24;
  uint64_t secs = (bytes + VHD_SECTOR - 1) / VHD_SECTOR;
  return secs ? (uint32_t) secs : 1;
}

uint32_t
vhd_batmap_checksum (const uint8_t *map, size_t len)
{
  uint32_t sum = 0;

  for (size_t i = 0; i < len; i++)
    sum += map[i];
  return ~sum;
}

int
vhd_parent_name_encode (const char *name, uint8_t out[VHD_PARENT_NAME_BYTES])
{
  size_t n = strlen (name);

  memset (out, 0, VHD_PARENT_NAME_BYTES);
  if (n * 2 > VHD_PARENT_NAME_BYTES)
    return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char) name[i];
    if (c == 0 || c > 0x7f)
      return -1;
    out[2 * i] = 0;
    out[2 * i + 1] = c;
  }
  return 0;
}

int
vhd_parent_name_decode (const uint8_t in[VHD_PARENT_NAME_BYTES], char *out,
                        size_t cap)
{
  size_t o = 0;

  if (cap == 0)
    return -1;
  for (size_t i = 0; i + 1 < VHD_PARENT_NAME_BYTES; i += 2) {
    uint16_t c = fg_be16dec (in + i);
    if (c == 0)
      break;
    if (c > 0x7f || o + 1 >= cap)
      return -1;
    out[o++] = (char) c;
  }
  out[o] = '\0';
  return 0;
}

int
vhd_locator_encode (uint32_t code, const char *name, uint8_t *out,
                    size_t cap)
{
  size_t n = strlen (name), len;

  for (size_t i = 0; i < n; i++)
    if ((unsigned char) name[i] > 0x7f || name[i] == '\0')
      return -1;
  if (code == VHD_LOC_MACX) {
    len = strlen ("file://./") + n;
    if (len > cap)
      return -1;
    memcpy (out, "file://./", 9);
    memcpy (out + 9, name, n);
    return (int) len;
  }
  if (code == VHD_LOC_W2KU || code == VHD_LOC_W2RU) {
    len = 2 * (n + 2);
    if (len > cap)
      return -1;
    fg_le16enc (out, '.');
    fg_le16enc (out + 2, '\\');
    for (size_t i = 0; i < n; i++)
      fg_le16enc (out + 4 + 2 * i, name[i] == '/' ? '\\' : (uint16_t) name[i]);
    return (int) len;
  }
  return -1;
}

int
vhd_locator_decode (uint32_t code, const uint8_t *data, size_t len,
                    char *out, size_t cap)
{
  size_t o = 0, i = 0;

  if (cap == 0)
    return -1;
  if (code == VHD_LOC_MACX) {
    if (len < 7 || memcmp (data, "file://", 7) != 0)
      return -1;
    for (i = 7; i < len && data[i] != 0; i++) {
      if (data[i] > 0x7f || o + 1 >= cap)
        return -1;
      out[o++] = (char) data[i];
    }
  } else if (code == VHD_LOC_W2KU || code == VHD_LOC_W2RU) {
    if (len % 2 != 0)
      return -1;
    for (i = 0; i + 1 < len; i += 2) {
      uint16_t c = fg_le16dec (data + i);
      if (c == 0)
        break;
      if (c > 0x7f || o + 1 >= cap)
        return -1;
      out[o++] = c == '\\' ? '/' : (char) c;
    }
    /* Drop a drive letter: "C:/dir/p.vhd" -> "/dir/p.vhd". */
    if (o >= 2 && out[1] == ':' &&
        ((out[0] >= 'A' && out[0] <= 'Z') || (out[0] >= 'a' && out[0] <= 'z'))) {
      memmove (out, out + 2, o - 2);
      o -= 2;
    }
  } else
    return -1;
  if (o == 0)
    return -1;
  out[o] = '\0';
  return 0;
}

uint64_t
vhd_locator_space_bytes (const struct vhd_locator *l)
{
  if (l->data_space < VHD_SECTOR)
    return (uint64_t) l->data_space * VHD_SECTOR;
  return l->data_space;
}

const char *
vhd_disk_type_name (uint32_t type)
{
  switch (type) {
  case VHD_TYPE_FIXED: return "fixed";
  case VHD_TYPE_DYNAMIC: return "dynamic";
  case VHD_TYPE_DIFF: return "differencing";
  }
  return "unknown";
}

void
vhd_creator_string (const uint8_t app[4], char out[5])
{
  for (int i = 0; i < 4; i++)
    out[i] = app[i] >= 0x20 && app[i] < 0x7f ? (char) app[i]
      : app[i] == 0 ? '\0' : '.';
  out[4] = '\0';
}
