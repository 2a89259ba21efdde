/* source/vhd_format.h --- the VHD 1.0 on-disk codec, pure
 *
 * Turns the footer, the dynamic disk header, the blktap batmap header and
 * parent locator data into structs and back, computes checksums and the
 * CHS geometry.  Nothing here opens a file or allocates: unit tests and
 * the fuzzer feed it byte arrays.  The field offsets live in vhd_format.c
 * and nowhere else.  See ../shared/VHD.md for the rules quoted here.
 */
#ifndef FG_SOURCE_VHD_FORMAT_H
#define FG_SOURCE_VHD_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

#define VHD_SECTOR 512u
#define VHD_FOOTER_SIZE 512u
#define VHD_HEADER_SIZE 1024u
#define VHD_BLOCK_SIZE (2u << 20)          /* XenServer's only block size */
#define VHD_MAX_BLOCK_SIZE (2u << 20)      /* blktap rejects larger */
#define VHD_MIN_BLOCK_SIZE 512u
#define VHD_MAX_DISK_SIZE (2040ull << 30)  /* 0xFF000000 sectors */
#define VHD_NO_BLOCK 0xFFFFFFFFu           /* unallocated BAT entry */
#define VHD_UNIX_EPOCH_DELTA 946684800     /* 2000-01-01 in unix time */
#define VHD_TIME_SLACK 1800                /* vhd-util TIMESTAMP_MAX_SLACK */
#define VHD_PARENT_NAME_BYTES 512u
#define VHD_MAX_LOCATORS 8
#define VHD_LOCATOR_SPACE 512u             /* what blktap reserves per locator */
#define VHD_MAX_CHAIN 30                   /* XenServer MAX_CHAIN_SIZE */

/* blktap's creator: "tap\0" version 1.3, which promises a batmap. */
#define VHD_CREATOR_TAP "tap"
#define VHD_TAP_VERSION 0x00010003u
#define VHD_BATMAP_VERSION 0x00010002u

enum vhd_disk_type {
  VHD_TYPE_FIXED = 2,
  VHD_TYPE_DYNAMIC = 3,
  VHD_TYPE_DIFF = 4,
};

enum vhd_locator_code {
  VHD_LOC_NONE = 0,
  VHD_LOC_WI2R = 0x57693272,  /* deprecated */
  VHD_LOC_WI2K = 0x5769326B,  /* deprecated */
  VHD_LOC_W2RU = 0x57327275,  /* Windows relative path, UTF-16LE */
  VHD_LOC_W2KU = 0x57326B75,  /* Windows absolute path, UTF-16LE */
  VHD_LOC_MAC = 0x4D616320,   /* Mac alias blob */
  VHD_LOC_MACX = 0x4D616358,  /* file:// URL, UTF-8 */
};

struct vhd_footer {
  uint32_t features;
  uint32_t format_version;
  uint64_t data_offset;
  uint32_t timestamp;          /* seconds since 2000-01-01 UTC */
  uint8_t creator_app[4];
  uint32_t creator_version;
  uint32_t creator_os;
  uint64_t original_size;
  uint64_t current_size;
  uint16_t cylinders;
  uint8_t heads;
  uint8_t sectors;
  uint32_t disk_type;
  uint32_t checksum;           /* as stored */
  uint8_t uuid[16];
  uint8_t saved_state;
  uint8_t hidden;              /* blktap: byte 85 */
  /* Set by decode only. */
  int cookie_ok;
  int checksum_ok;
  int reserved_zero;
};

struct vhd_locator {
  uint32_t code;
  uint32_t data_space;         /* bytes (blktap, Microsoft) or sectors (spec) */
  uint32_t data_len;
  uint32_t reserved;
  uint64_t data_offset;
};

struct vhd_header {
  uint64_t data_offset;
  uint64_t table_offset;
  uint32_t header_version;
  uint32_t max_table_entries;
  uint32_t block_size;
  uint32_t checksum;           /* as stored */
  uint8_t parent_uuid[16];
  uint32_t parent_timestamp;
  uint8_t parent_name[VHD_PARENT_NAME_BYTES];  /* UTF-16BE, as stored */
  struct vhd_locator loc[VHD_MAX_LOCATORS];
  /* Set by decode only. */
  int cookie_ok;
  int checksum_ok;
  int reserved_zero;
};

struct vhd_batmap_header {
  uint64_t map_offset;
  uint32_t map_sectors;
  uint32_t version;
  uint32_t checksum;
  uint8_t marker;
  int cookie_ok;               /* set by decode only */
};

/* One's complement of the byte sum, with the 4 bytes at CKSUM_OFF counted
 * as zero. */
/* 1 if the 8 bytes at P are a footer's cookie ("conectix"): how a file
 * is told to be a VHD, at offset 0 (a dynamic disk's copy) or in its
 * last sector. */
int vhd_is_footer_cookie (const uint8_t p[8]);

uint32_t vhd_checksum (const uint8_t *buf, size_t len, size_t cksum_off);

/* The specification's CHS geometry for a disk of SIZE bytes. */
void vhd_chs (uint64_t size, uint16_t *cyl, uint8_t *heads, uint8_t *spt);

uint32_t vhd_time_from_unix (time_t t);
time_t vhd_time_to_unix (uint32_t t);

/* Encoders compute and store the checksum (and return it in the struct's
 * checksum field as written). */
void vhd_footer_encode (struct vhd_footer *f, uint8_t out[VHD_FOOTER_SIZE]);
void vhd_footer_decode (const uint8_t in[VHD_FOOTER_SIZE],
                        struct vhd_footer *f);
void vhd_header_encode (struct vhd_header *h, uint8_t out[VHD_HEADER_SIZE]);
void vhd_header_decode (const uint8_t in[VHD_HEADER_SIZE],
                        struct vhd_header *h);
void vhd_batmap_header_encode (const struct vhd_batmap_header *b,
                               uint8_t out[VHD_SECTOR]);
void vhd_batmap_header_decode (const uint8_t in[VHD_SECTOR],
                               struct vhd_batmap_header *b);

/* Validation of a decoded footer / header, independent of the file.
 * WHAT names the file in messages.  Errors are FG_E_INPUT. */
int vhd_footer_check (const struct vhd_footer *f, const char *what,
                      struct fg_err *e);
int vhd_header_check (const struct vhd_header *h,
                      const struct vhd_footer *f, const char *what,
                      struct fg_err *e);

/* Bytes of the BAT for N entries, padded to a sector. */
uint64_t vhd_bat_bytes (uint32_t entries);
/* Bytes of one block's sector bitmap, padded to a sector. */
uint32_t vhd_bitmap_bytes (uint32_t block_size);
/* Bytes of the batmap's map for N entries, padded to a sector. */
uint64_t vhd_batmap_bytes (uint32_t entries);
/* Sectors of the map that its checksum covers (blktap's rule). */
uint32_t vhd_batmap_cksum_sectors (uint64_t current_size);
/* ~sum of the map bytes. */
uint32_t vhd_batmap_checksum (const uint8_t *map, size_t len);

/* MSB-first bit I of a sector bitmap or batmap. */
static inline int
vhd_bit_test (const uint8_t *map, uint32_t i)
{
  return (map[i >> 3] & (0x80u >> (i & 7))) != 0;
}

static inline void
vhd_bit_set (uint8_t *map, uint32_t i)
{
  map[i >> 3] = (uint8_t) (map[i >> 3] | (0x80u >> (i & 7)));
}

/* Parent name: ASCII NAME <-> UTF-16BE field.  Encode fails (-1) on a
 * non-ASCII or too long name; decode fails on a non-ASCII character. */
int vhd_parent_name_encode (const char *name,
                            uint8_t out[VHD_PARENT_NAME_BYTES]);
int vhd_parent_name_decode (const uint8_t in[VHD_PARENT_NAME_BYTES],
                            char *out, size_t cap);

/* Locator data as blktap writes it for a parent named NAME (basename):
 * MacX "file://./NAME" in UTF-8, W2ku/W2ru ".\NAME" in UTF-16LE.
 * Returns the encoded length, or -1 if it does not fit in CAP. */
int vhd_locator_encode (uint32_t code, const char *name, uint8_t *out,
                        size_t cap);
/* Decode locator data into a '/'-separated ASCII path (file:// and a
 * leading "C:" stripped, '\' turned into '/').  Returns -1 on bad data. */
int vhd_locator_decode (uint32_t code, const uint8_t *data, size_t len,
                        char *out, size_t cap);

/* Bytes a locator's data space covers (sectors if < 512, else bytes). */
uint64_t vhd_locator_space_bytes (const struct vhd_locator *l);

const char *vhd_disk_type_name (uint32_t type);
/* "tap", "win ", ... printable (non-printable bytes as '.'). */
void vhd_creator_string (const uint8_t app[4], char out[5]);

#endif
