/* util/size.h --- sizes as people write them ("20G", "512MiB", "1.5T") */
#ifndef FG_UTIL_SIZE_H
#define FG_UTIL_SIZE_H

/* S: digits (a decimal point allowed) and an optional K, M, G or T
 * (powers of 1024), "i" and "B" optional after it ("20G", "20GiB",
 * "20gb"), or bytes with no unit.  0 with *OUT set; -1 for anything
 * else (a sign, "inf", "nan", a value over 16 EiB).  The one parser of
 * the command line's --disk-size and the manifest's size options. */
int fg_parse_size (const char *s, unsigned long long *out);

#endif
