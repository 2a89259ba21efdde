/* source/mbr.h --- the MBR partition table of a next-gen disk (pure)
 *
 * One primary Linux partition (type 0x83), active, starting at 1 MiB
 * (sector 2048) as fdisk aligns it; no boot code (pygrub reads the
 * file system; an HVM boot loader is a fixup's job).
 */
#ifndef FG_SOURCE_MBR_H
#define FG_SOURCE_MBR_H

#include <stdint.h>

#define MBR_SECTOR 512u
#define MBR_PART_START 2048u          /* sectors: 1 MiB */

/* Encode the sector 0 for a partition of SECTORS sectors at START.
 * DISK_ID is the 32-bit disk signature at offset 440. */
void mbr_encode (uint8_t out[MBR_SECTOR], uint32_t disk_id, uint32_t start,
                 uint32_t sectors);

/* Decode partition 1: returns 0 and its start/size, -1 if SECTOR holds
 * no valid MBR or no partition 1. */
int mbr_decode_first (const uint8_t sector[MBR_SECTOR], uint32_t *start,
                      uint32_t *sectors, uint8_t *type);

#endif
