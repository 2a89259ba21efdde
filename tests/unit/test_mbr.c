/* tests/unit/test_mbr.c --- the partition table of a next-gen disk */
#include "tests/unit/tap.h"
#include "source/mbr.h"

static void
test_encode_matches_fdisk_layout (void)
{
  uint8_t s[MBR_SECTOR];
  uint32_t start, n;
  uint8_t type;

  mbr_encode (s, 0x12345678, 2048, 2598912);
  /* Known answer, read back from sfdisk 2.38 given "label-id:
   * 0x12345678, start=2048, size=2598912, type=83, bootable": status,
   * CHS start, type and the LBA fields.  (Its CHS end depends on the
   * geometry it guesses for the image; nothing reads CHS any more.) */
  static const uint8_t entry[16] = {
    0x80, 0x20, 0x21, 0x00, 0x83, 0xe6, 0x05, 0xa1,
    0x00, 0x08, 0x00, 0x00, 0x00, 0xa8, 0x27, 0x00,
  };
  CHECK_MEM (s + 446, entry, 5);
  CHECK_MEM (s + 454, entry + 8, 8);
  CHECK_INT (s[440], 0x78);
  CHECK_INT (s[443], 0x12);
  CHECK_INT (s[510], 0x55);
  CHECK_INT (s[511], 0xaa);
  for (int i = 462; i < 510; i++)
    CHECK_INT (s[i], 0);
  CHECK_INT (mbr_decode_first (s, &start, &n, &type), 0);
  CHECK_INT (start, 2048);
  CHECK_INT (n, 2598912);
  CHECK_INT (type, 0x83);
}

static void
test_small_partition_has_exact_chs_end (void)
{
  uint8_t s[MBR_SECTOR];
  /* 2048 + 129024 - 1 = 131071 = C 8, H 40, S 32 in 255/63 geometry:
   * "28 20 08", as sfdisk writes it for a 70 MiB image. */
  mbr_encode (s, 0, 2048, 129024);
  CHECK_INT (s[446 + 5], 40);
  CHECK_INT (s[446 + 6], 32);
  CHECK_INT (s[446 + 7], 8);
}

static void
test_decode_refuses_garbage (void)
{
  uint8_t s[MBR_SECTOR] = { 0 };
  uint32_t a, b;
  uint8_t t;
  CHECK_INT (mbr_decode_first (s, &a, &b, &t), -1);
  s[510] = 0x55;
  s[511] = 0xaa;
  CHECK_INT (mbr_decode_first (s, &a, &b, &t), -1);   /* no partition */
  s[446] = 0x12;                                       /* bad status */
  s[450] = 0x83;
  s[458] = 1;
  CHECK_INT (mbr_decode_first (s, &a, &b, &t), -1);
}

int
main (void)
{
  RUN (test_encode_matches_fdisk_layout);
  RUN (test_small_partition_has_exact_chs_end);
  RUN (test_decode_refuses_garbage);
  return TAP_DONE ();
}
