/* util/endian.h --- byte-order helpers that read and write byte pointers
 *
 * On-disk structures are never cast onto buffers: every field is decoded
 * from, and encoded into, its named offset with these helpers.  Shifts are
 * done on unsigned values so that no signed overflow can happen.
 */
#ifndef FG_UTIL_ENDIAN_H
#define FG_UTIL_ENDIAN_H

#include <stdint.h>

static inline uint16_t
fg_be16dec (const uint8_t *p)
{
  return (uint16_t) ((uint16_t) p[0] << 8 | p[1]);
}

static inline uint32_t
fg_be32dec (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
    (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static inline uint64_t
fg_be64dec (const uint8_t *p)
{
  return (uint64_t) fg_be32dec (p) << 32 | fg_be32dec (p + 4);
}

static inline void
fg_be16enc (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static inline void
fg_be32enc (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static inline void
fg_be64enc (uint8_t *p, uint64_t v)
{
  fg_be32enc (p, (uint32_t) (v >> 32));
  fg_be32enc (p + 4, (uint32_t) v);
}

static inline uint16_t
fg_le16dec (const uint8_t *p)
{
  return (uint16_t) ((uint16_t) p[1] << 8 | p[0]);
}

static inline uint32_t
fg_le32dec (const uint8_t *p)
{
  return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 |
    (uint32_t) p[1] << 8 | (uint32_t) p[0];
}

static inline void
fg_le16enc (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
}

static inline void
fg_le32enc (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

#endif
