/* cloud/http.h --- a small HTTP client over libcurl for the OpenStack APIs
 *
 * One client holds one CURL handle, reused request after request (its
 * DNS and TLS session caches survive; every request says "Connection:
 * close", since the harness's uwsgi drops kept-alive connections without
 * a word, doc: /work/shared/OPENSTACK.md).  A request names its method,
 * URL and headers; its body comes from memory or from a read callback;
 * the answer's body goes to memory (bounded: JSON) or, for a 2xx, to a
 * write callback (streaming; an error status's body still goes to
 * memory, for the message).  Response headers are kept as parsed, the
 * names compared without case, only those of the final answer (after a
 * "100 Continue", which is never asked for: "Expect:" is sent empty).
 *
 * fg_http_do returns 0 when an HTTP status came back, whatever it is:
 * the caller decides what a status means (fg_http_status_err words the
 * usual ones).  Connection errors, and 5xx on an idempotent request whose
 * streamed body has not started, are retried a bounded number of times
 * with exponential backoff; then -1 with FG_E_IO.
 *
 * Secrets: the values of X-Auth-Token, X-Auth-Key, X-Subject-Token,
 * X-Storage-Token and Authorization never reach an error message or the
 * debug trace (request bodies are never traced: they may hold a
 * password), and a URL in a message has its user info and the values of
 * secret-looking query parameters replaced (fg_http_redact_url).  TLS is
 * verified unless the caller sets insecure.
 */
#ifndef FG_CLOUD_HTTP_H
#define FG_CLOUD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct fg_http_opts {
  int insecure;                 /* 1: do not verify TLS (the caller warns) */
  const char *cacert;           /* a CA bundle file, or NULL */
  unsigned retries;             /* extra tries; 0 means the default (4) */
  unsigned backoff_ms;          /* first wait; 0 means the default (500) */
  unsigned connect_timeout_s;   /* 0 means 30 */
  unsigned stall_timeout_s;     /* no byte for this long fails; 0: 120 */
  int debug;                    /* 1: trace requests to stderr, redacted */
};

struct fg_http;

/* A client; NULL with E set (FG_E_IO) when libcurl cannot start. */
struct fg_http *fg_http_new (const struct fg_http_opts *opts,
                             struct fg_err *e);
void fg_http_free (struct fg_http *h);

/* The options as the client holds them (defaults filled in). */
const struct fg_http_opts *fg_http_opts (const struct fg_http *h);

/* Streaming callbacks.  A read callback fills BUF with up to N bytes and
 * returns how many (0 at the end), or -1 with E set.  A write callback
 * takes N bytes and returns 0, or -1 with E set: the request then fails
 * with that error. */
typedef long (*fg_http_read_fn) (void *opaque, char *buf, size_t n,
                                 struct fg_err *e);
typedef int (*fg_http_write_fn) (void *opaque, const void *buf, size_t n,
                                 struct fg_err *e);

struct fg_http_req {
  const char *method;           /* "GET", "HEAD", "PUT", "POST", ... */
  const char *url;
  const char *const *headers;   /* "Name: value", NULL-terminated, or NULL */
  /* The body: from memory, or from READ (READ_LEN bytes, -1: unknown,
   * sent chunked), or none. */
  const void *body;
  size_t body_len;
  fg_http_read_fn read;
  void *read_opaque;
  int64_t read_len;
  /* A 2xx answer's body: to WRITE when set, else to memory, at most
   * MAX_BODY bytes (0: 1 MiB); more is an error. */
  fg_http_write_fn write;
  void *write_opaque;
  size_t max_body;
  /* Retry on connection errors and 5xx (GET, HEAD, PUT and DELETE with
   * a body in memory or none are idempotent by default; set -1 to
   * refuse, 1 to force). */
  int idempotent;
};

struct fg_http_header {
  char *name, *value;
};

struct fg_http_resp {
  long status;
  struct fg_http_header *headers;
  size_t n_headers;
  char *body;                   /* NUL-terminated; NULL when streamed */
  size_t body_len;
  uint64_t streamed;            /* bytes handed to the write callback */
  unsigned tries;               /* requests made (1 + retries) */
};

#define FG_HTTP_RESP_INIT { 0, NULL, 0, NULL, 0, 0, 0 }

int fg_http_do (struct fg_http *h, const struct fg_http_req *rq,
                struct fg_http_resp *rs, struct fg_err *e);

/* A header's value in RS (name without case), or NULL. */
const char *fg_http_header (const struct fg_http_resp *rs, const char *name);

/* Empty RS (header values wiped: they may hold a token). */
void fg_http_resp_free (struct fg_http_resp *rs);

/* Set E for an unexpected status of RS: FG_E_INPUT for a 4xx (the
 * request or the user's data or credentials), FG_E_IO otherwise, the
 * message "METHOD URL: HTTP STATUS" with the URL redacted and the first
 * line of a short body (e.g. Keystone's reason).  Returns -1. */
int fg_http_status_err (struct fg_err *e, const char *method, const char *url,
                        const struct fg_http_resp *rs);

/* ---- pure helpers, tested alone ---------------------------------- */

/* Take one raw header line (with or without its CRLF) into RS: a status
 * line ("HTTP/1.1 200 OK") starts a new answer (the headers so far are
 * dropped, e.g. a 100 Continue's); a continuation line joins the header
 * before it; the blank line is ignored.  0, or -1 when memory runs out. */
int fg_http_parse_header_line (struct fg_http_resp *rs, const char *line,
                               size_t len);

/* URL into OUT (CAP bytes, always terminated) without its user info and
 * with the values of query parameters that may be secrets (names holding
 * "sig", "token", "key", "secret", "pass", "auth", "credential",
 * "expires" not included) replaced by "REDACTED".  Returns OUT. */
char *fg_http_redact_url (const char *url, char *out, size_t cap);

/* 1 when a header of that name carries a secret. */
int fg_http_header_is_secret (const char *name, size_t len);

/* Wipe N bytes at P (not optimised away). */
void fg_http_wipe (void *p, size_t n);

/* Free S after wiping it (S may be NULL). */
void fg_http_free_secret (char *s);

#endif
