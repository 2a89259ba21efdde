/* source/mbr.c --- classic MBR, one partition */
#include "source/mbr.h"

#include <string.h>

#include "util/endian.h"

enum { DISK_ID = 440, PART1 = 446, SIGNATURE = 510 };

/* CHS of LBA for the 255-head, 63-sector geometry, or the "use LBA"
 * marker 1023/254/63 past what CHS can say. */
static void
chs (uint8_t out[3], uint32_t lba)
{
  uint32_t c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;

  if (c > 1023) {
    c = 1023;
    h = 254;
    s = 63;
  }
  out[0] = (uint8_t) h;
  out[1] = (uint8_t) ((s & 0x3f) | ((c >> 2) & 0xc0));
  out[2] = (uint8_t) c;
}

void
mbr_encode (uint8_t out[MBR_SECTOR], uint32_t disk_id, uint32_t start,
            uint32_t sectors)
{
  uint8_t *p = out + PART1;

  memset (out, 0, MBR_SECTOR);
  fg_le32enc (out + DISK_ID, disk_id);
  p[0] = 0x80;                          /* active */
  chs (p + 1, start);
  p[4] = 0x83;                          /* Linux */
  chs (p + 5, start + sectors - 1);
  fg_le32enc (p + 8, start);
  fg_le32enc (p + 12, sectors);
  out[SIGNATURE] = 0x55;
  out[SIGNATURE + 1] = 0xaa;
}

int
mbr_decode_first (const uint8_t sector[MBR_SECTOR], uint32_t *start,
                  uint32_t *sectors, uint8_t *type)
{
  const uint8_t *p = sector + PART1;

  if (sector[SIGNATURE] != 0x55 || sector[SIGNATURE + 1] != 0xaa)
    return -1;
  if (p[0] != 0x00 && p[0] != 0x80)
    return -1;
  *type = p[4];
  *start = fg_le32dec (p + 8);
  *sectors = fg_le32dec (p + 12);
  return *type == 0 || *sectors == 0 ? -1 : 0;
}
