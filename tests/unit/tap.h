/* tests/unit/tap.h --- a tiny TAP harness for the C unit tests
 *
 * Each test file defines test functions and lists them in main() with
 * RUN(fn).  A test passes when none of its checks failed; a failing check
 * prints what was expected and what came out, with file and line.
 * tests/run.sh counts the "ok" / "not ok" lines.
 */
#ifndef FG_TESTS_TAP_H
#define FG_TESTS_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_test_no;
static int tap_failed_tests;
static int tap_cur_failed;

#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) {                                                      \
      printf ("#   %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      tap_cur_failed = 1;                                               \
    }                                                                   \
  } while (0)

#define CHECK_INT(a, b)                                                 \
  do {                                                                  \
    long long va_ = (long long) (a), vb_ = (long long) (b);             \
    if (va_ != vb_) {                                                   \
      printf ("#   %s:%d: %s == %s: got %lld (0x%llx), expected %lld (0x%llx)\n", \
              __FILE__, __LINE__, #a, #b, va_, (unsigned long long) va_, \
              vb_, (unsigned long long) vb_);                           \
      tap_cur_failed = 1;                                               \
    }                                                                   \
  } while (0)

#define CHECK_U64(a, b)                                                 \
  do {                                                                  \
    uint64_t va_ = (uint64_t) (a), vb_ = (uint64_t) (b);                \
    if (va_ != vb_) {                                                   \
      printf ("#   %s:%d: %s == %s: got %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64 " (0x%" PRIx64 ")\n", \
              __FILE__, __LINE__, #a, #b, va_, va_, vb_, vb_);           \
      tap_cur_failed = 1;                                               \
    }                                                                   \
  } while (0)

#define CHECK_STR(a, b)                                                 \
  do {                                                                  \
    const char *sa_ = (a), *sb_ = (b);                                  \
    if (sa_ == NULL || sb_ == NULL || strcmp (sa_, sb_) != 0) {         \
      printf ("#   %s:%d: %s == %s: got \"%s\", expected \"%s\"\n",     \
              __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",         \
              sb_ ? sb_ : "(null)");                                    \
      tap_cur_failed = 1;                                               \
    }                                                                   \
  } while (0)

/* Substring check, for error messages. */
#define CHECK_CONTAINS(hay, needle)                                     \
  do {                                                                  \
    const char *h_ = (hay), *n_ = (needle);                             \
    if (h_ == NULL || strstr (h_, n_) == NULL) {                        \
      printf ("#   %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,  \
              __LINE__, h_ ? h_ : "(null)", n_);                        \
      tap_cur_failed = 1;                                               \
    }                                                                   \
  } while (0)

#define CHECK_MEM(a, b, n)                                              \
  do {                                                                  \
    const unsigned char *ma_ = (const void *) (a), *mb_ = (const void *) (b); \
    size_t n_ = (n);                                                    \
    for (size_t i_ = 0; i_ < n_; i_++)                                  \
      if (ma_[i_] != mb_[i_]) {                                         \
        printf ("#   %s:%d: %s and %s differ at byte %zu: 0x%02x vs 0x%02x\n", \
                __FILE__, __LINE__, #a, #b, i_, ma_[i_], mb_[i_]);      \
        tap_cur_failed = 1;                                             \
        break;                                                          \
      }                                                                 \
  } while (0)

#define RUN(fn)                                                         \
  do {                                                                  \
    tap_cur_failed = 0;                                                 \
    fn ();                                                              \
    tap_test_no++;                                                      \
    printf ("%sok %d - %s\n", tap_cur_failed ? "not " : "", tap_test_no, #fn); \
    if (tap_cur_failed)                                                 \
      tap_failed_tests++;                                               \
    fflush (stdout);                                                    \
  } while (0)

#define SKIP(fn, why)                                                   \
  do {                                                                  \
    tap_test_no++;                                                      \
    printf ("ok %d - %s # SKIP %s\n", tap_test_no, #fn, why);           \
  } while (0)

#define TAP_DONE() (printf ("1..%d\n", tap_test_no), tap_failed_tests ? 1 : 0)

#endif
