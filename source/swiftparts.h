/* source/swiftparts.h --- first-gen parts read straight from Swift
 *
 * "swift://CONTAINER/NAME.tar.gz.0" (any part, NAME.tar.gz, or NAME)
 * names the parts NAME.tar.gz.0 .. N of CONTAINER: they are found by
 * listing the container with the prefix "NAME.tar.gz.", ordered and
 * checked by the rule of local parts (fg_parts_check), and read through
 * the parts reader like local files (struct fg_parts_ops): each object
 * is a GET streamed from a thread into a socket pair the reader reads,
 * so nothing is copied to disk and memory stays a socket's buffer.  The
 * Swift client (cloud/swift.h) checks every object against its ETag and
 * resumes a dropped connection; a part that fails its check fails the
 * read that reaches its end.  Each part's path is
 * "swift://CONTAINER/OBJECT", which every message names.
 */
#ifndef FG_SOURCE_SWIFTPARTS_H
#define FG_SOURCE_SWIFTPARTS_H

#include "source/parts.h"
#include "util/err.h"

/* 1 when SOURCE is a swift:// URL. */
int fg_swift_parts_is_url (const char *source);

/* Where the credentials come from (--os-cloud NAME, or NULL: the
 * environment, cloud/auth.h) and --insecure (warned about once, on
 * stderr, when first used).  Set once by the command line. */
void fg_swift_parts_config (const char *os_cloud, int insecure);

/* Log in, list and check the parts of URL into PARTS (their reader goes
 * to Swift).  Errors name the URL: FG_E_USAGE / FG_E_INPUT for bad
 * credentials, a missing container or part (a hint on OS_* and
 * --os-cloud), FG_E_IO for the network after retries.  On error PARTS
 * holds nothing to release. */
int fg_swift_parts_find (const char *url, struct fg_parts *parts,
                         struct fg_err *e);

#endif
