/* agent/http.h --- the agent's HTTP front: libmicrohttpd, the bearer
 * token, the body limit
 *
 * This module knows HTTP, not migrations.  It listens (TCP on the
 * configured address, or a Unix socket; TLS when a certificate is
 * given), and for each request:
 *   - checks "Authorization: Bearer TOKEN" in constant time before it
 *     reads any body (401 otherwise), except for the paths the caller
 *     names public (the health probe);
 *   - refuses a body over the limit with 413: at once when the
 *     Content-Length says so, else as soon as the data passes the limit
 *     (the rest is read and dropped, never buffered);
 *   - hands method, path and body to the caller's handler, which fills
 *     the status and a JSON body.
 * A connection must send a request with a good token (or have its
 * request answered, for the public path) within the configured header
 * timeout of being accepted or of its previous request's end, however
 * slowly it keeps sending, or it is closed; connections are limited in
 * number, overall and per client address.  Messages quoting the request
 * have their control characters escaped.
 * Requests are served by a small pool of threads: the handler must be
 * thread-safe.
 */
#ifndef FG_AGENT_HTTP_H
#define FG_AGENT_HTTP_H

#include <stddef.h>

#include "agent/config.h"
#include "util/err.h"

struct fg_http_request {
  const char *method;
  const char *path;
  const char *body;           /* NUL-terminated copy, "" when none */
  size_t body_len;
  int authenticated;          /* a public path may be asked with or without */
};

struct fg_http_reply {
  unsigned status;
  char *body;                 /* malloc'd JSON text; NULL: {} */
  const char *allow;          /* 405: the methods allowed */
};

typedef void (*fg_http_handler) (void *opaque,
                                 const struct fg_http_request *req,
                                 struct fg_http_reply *rep);
/* One line from libmicrohttpd or from this module (a refused request). */
typedef void (*fg_http_logger) (void *opaque, unsigned status,
                                const char *method, const char *path,
                                const char *message);

struct fg_http;

/* Listen as C says, with TOKEN (copied); PUBLIC_PATH (may be NULL) needs
 * no token for GET and HEAD.  Errors name the address. */
struct fg_http *fg_http_start (const struct fg_agent_config *c,
                               const char *token, const char *public_path,
                               fg_http_handler handle, fg_http_logger log,
                               void *opaque, struct fg_err *e);

/* Where it listens, as "127.0.0.1:8470", "[::1]:8470" or "unix:PATH". */
const char *fg_http_address (const struct fg_http *h);

/* Replace the token (SIGHUP). */
void fg_http_set_token (struct fg_http *h, const char *token);

/* Stop taking connections (the listening socket is closed); requests in
 * flight finish. */
void fg_http_quiesce (struct fg_http *h);

/* Wait for the requests in flight and release everything. */
void fg_http_stop (struct fg_http *h);

/* A JSON error body {"error": MESSAGE[, "field": FIELD]} (malloc'd). */
char *fg_http_error_body (const char *message, const char *field);

#endif
