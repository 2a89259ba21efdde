/* cloud/swift.h --- a Swift client: list, HEAD, and a verified, resumed GET
 *
 * No fg2ng meaning here: containers, objects and bytes.  Every request
 * carries the session's token; a 401 renews it (fg_auth_renew) once per
 * request and tries again.
 *
 * fg_swift_get streams an object to a callback and checks it:
 *   - a plain object: the MD5 of all its bytes against its ETag (the MD5
 *     hex, unquoted);
 *   - a manifest (SLO: X-Static-Large-Object, DLO: X-Object-Manifest),
 *     whose ETag is the quoted MD5 of its segments' MD5s: the segments
 *     are read first (SLO: ?multipart-manifest=get; DLO: the listing of
 *     its prefix), their MD5s joined must give the ETag, and each segment's
 *     bytes are checked against its MD5 as they pass.  A manifest this
 *     cannot follow (a segment with a range, a nested SLO, segment sizes
 *     that do not add up) is read unchecked, with a note saying why.
 * A dropped connection resumes with "Range: bytes=N-" from the byte
 * reached, after a backoff, a bounded number of times in a row without
 * progress; the resumed answer must be a 206 from byte N with the same
 * ETag (the object did not change).  A mismatch is FG_E_INPUT.
 */
#ifndef FG_CLOUD_SWIFT_H
#define FG_CLOUD_SWIFT_H

#include <stddef.h>
#include <stdint.h>

#include "cloud/auth.h"
#include "cloud/http.h"
#include "util/err.h"

struct fg_swift_obj {
  char *name;
  uint64_t bytes;
  char *hash;                   /* the listing's MD5 (or a manifest's) */
};

/* The objects of CONTAINER whose names start with PREFIX (NULL: all), in
 * name order, LIMIT per page (0: the server's own, 10000), following the
 * marker page after page.  *PAGES (may be NULL) gets the requests made.
 * 0, or -1 with E set (FG_E_INPUT when the container does not exist). */
int fg_swift_list (struct fg_auth *a, const char *container, const char *prefix,
                   unsigned limit, struct fg_swift_obj **objs, size_t *n,
                   unsigned *pages, struct fg_err *e);
void fg_swift_objs_free (struct fg_swift_obj *objs, size_t n);

struct fg_swift_info {
  uint64_t size;
  char etag[80];                /* as sent, quotes and all */
  int slo;
  char dlo[1024];               /* X-Object-Manifest, or "" */
};

/* HEAD: 0, or -1 with E set (FG_E_INPUT when there is no such object). */
int fg_swift_head (struct fg_auth *a, const char *container, const char *object,
                   struct fg_swift_info *info, struct fg_err *e);

enum fg_swift_check {
  FG_SWIFT_CHECK_NONE = 0,
  FG_SWIFT_CHECK_MD5,           /* a plain object's MD5 matched its ETag */
  FG_SWIFT_CHECK_SEGMENTS,      /* every segment's MD5 matched, and the ETag */
  FG_SWIFT_CHECK_SKIPPED,       /* a manifest read unchecked: see note */
};

struct fg_swift_get_opts {
  unsigned retries;             /* resumes in a row without progress; 0: 5 */
  unsigned backoff_ms;          /* the first wait; 0: 1000, doubling */
};

struct fg_swift_get_result {
  struct fg_swift_info info;
  uint64_t bytes;               /* handed to the callback */
  enum fg_swift_check check;
  size_t segments;              /* a manifest's, checked or not */
  unsigned resumes;             /* ranged GETs after a drop */
  char md5[33];                 /* of all the bytes */
  char note[256];               /* why a manifest was not checked */
};

int fg_swift_get (struct fg_auth *a, const char *container, const char *object,
                  fg_http_write_fn write, void *opaque,
                  const struct fg_swift_get_opts *opts,
                  struct fg_swift_get_result *res, struct fg_err *e);

/* ---- pure helpers, tested alone ---------------------------------- */

/* The ETag without its quotes, lowercased, into OUT (CAP bytes). */
char *fg_swift_etag_bare (const char *etag, char *out, size_t cap);

/* The MD5 hex of the N MD5 hex strings joined (a manifest's ETag) into
 * OUT[33]. */
void fg_swift_manifest_etag (const char *const *md5s, size_t n, char out[33]);

#endif
