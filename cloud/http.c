/* cloud/http.c --- one libcurl handle, bounded retries, redacted errors */
#include "cloud/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#define DEFAULT_RETRIES 4
#define DEFAULT_BACKOFF_MS 500
#define MAX_BACKOFF_MS 30000
#define DEFAULT_MAX_BODY (1u << 20)

struct fg_http {
  CURL *c;
  struct fg_http_opts o;
  char *cacert;
  char errbuf[CURL_ERROR_SIZE];
};

/* ---- secrets -------------------------------------------------------- */

void
fg_http_wipe (void *p, size_t n)
{
  if (p != NULL && n > 0)
    explicit_bzero (p, n);
}

void
fg_http_free_secret (char *s)
{
  if (s != NULL) {
    fg_http_wipe (s, strlen (s));
    free (s);
  }
}

static const char *const secret_headers[] = {
  "x-auth-token", "x-auth-key", "x-subject-token", "x-storage-token",
  "authorization", "x-service-token", "proxy-authorization", NULL,
};

int
fg_http_header_is_secret (const char *name, size_t len)
{
  for (size_t i = 0; secret_headers[i] != NULL; i++)
    if (strlen (secret_headers[i]) == len
        && strncasecmp (secret_headers[i], name, len) == 0)
      return 1;
  return 0;
}

static int
secret_param (const char *name, size_t len)
{
  static const char *const words[] = {
    "sig", "token", "key", "secret", "pass", "auth", "credential", NULL,
  };
  char low[64];

  if (len >= sizeof low)
    return 1;                   /* an odd long name: better hidden */
  for (size_t i = 0; i < len; i++)
    low[i] = (char) tolower ((unsigned char) name[i]);
  low[len] = '\0';
  for (size_t i = 0; words[i] != NULL; i++)
    if (strstr (low, words[i]) != NULL)
      return 1;
  return 0;
}

char *
fg_http_redact_url (const char *url, char *out, size_t cap)
{
  size_t o = 0;
  const char *p = url, *q;

#define PUT(s, n) do {                                                 \
    size_t n_ = (n);                                                   \
    if (o + n_ >= cap) n_ = cap - 1 - o;                               \
    memcpy (out + o, (s), n_); o += n_;                                \
  } while (0)

  if (cap == 0)
    return out;
  if (url == NULL)
    url = p = "(no URL)";
  /* scheme://[userinfo@]host... : drop the user info */
  q = strstr (p, "://");
  if (q != NULL) {
    const char *host = q + 3;
    size_t hl = strcspn (host, "/?#");
    const char *at = memrchr (host, '@', hl);
    PUT (p, (size_t) (host - p));
    p = at != NULL ? at + 1 : host;
  }
  q = strchr (p, '?');
  if (q == NULL) {
    PUT (p, strlen (p));
    out[o] = '\0';
    return out;
  }
  PUT (p, (size_t) (q - p) + 1);
  p = q + 1;
  while (*p != '\0' && *p != '#') {
    size_t pl = strcspn (p, "&#");
    const char *eq = memchr (p, '=', pl);
    if (eq != NULL && secret_param (p, (size_t) (eq - p))) {
      PUT (p, (size_t) (eq - p) + 1);
      PUT ("REDACTED", 8);
    } else
      PUT (p, pl);
    p += pl;
    if (*p == '&') {
      PUT ("&", 1);
      p++;
    }
  }
  PUT (p, strlen (p));          /* a fragment, if any */
  out[o] = '\0';
  return out;
#undef PUT
}

/* ---- response headers ---------------------------------------------- */

static void
drop_headers (struct fg_http_resp *rs)
{
  for (size_t i = 0; i < rs->n_headers; i++) {
    free (rs->headers[i].name);
    fg_http_free_secret (rs->headers[i].value);
  }
  free (rs->headers);
  rs->headers = NULL;
  rs->n_headers = 0;
}

void
fg_http_resp_free (struct fg_http_resp *rs)
{
  drop_headers (rs);
  free (rs->body);
  *rs = (struct fg_http_resp) FG_HTTP_RESP_INIT;
}

const char *
fg_http_header (const struct fg_http_resp *rs, const char *name)
{
  for (size_t i = 0; i < rs->n_headers; i++)
    if (strcasecmp (rs->headers[i].name, name) == 0)
      return rs->headers[i].value;
  return NULL;
}

int
fg_http_parse_header_line (struct fg_http_resp *rs, const char *line,
                           size_t len)
{
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  if (len == 0)
    return 0;
  if (len >= 5 && memcmp (line, "HTTP/", 5) == 0) {
    const char *sp = memchr (line, ' ', len);
    drop_headers (rs);
    rs->status = 0;
    if (sp != NULL) {
      long st = 0;
      for (const char *d = sp + 1; d < line + len && isdigit ((unsigned char) *d); d++)
        st = st * 10 + (*d - '0');
      rs->status = st;
    }
    return 0;
  }
  if ((line[0] == ' ' || line[0] == '\t')) {
    /* an obsolete folded line: joins the value before it */
    if (rs->n_headers == 0)
      return 0;
    struct fg_http_header *h = &rs->headers[rs->n_headers - 1];
    size_t s = 0, old = strlen (h->value);
    while (s < len && (line[s] == ' ' || line[s] == '\t'))
      s++;
    char *v = malloc (old + 1 + (len - s) + 1);
    if (v == NULL)
      return -1;
    memcpy (v, h->value, old);
    v[old] = ' ';
    memcpy (v + old + 1, line + s, len - s);
    v[old + 1 + len - s] = '\0';
    fg_http_free_secret (h->value);
    h->value = v;
    return 0;
  }
  const char *colon = memchr (line, ':', len);
  if (colon == NULL || colon == line)
    return 0;                   /* not a header: ignored */
  size_t nl = (size_t) (colon - line), vs = nl + 1, ve = len;
  while (nl > 0 && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
    nl--;
  while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
    vs++;
  while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
    ve--;
  struct fg_http_header *nh = realloc (rs->headers,
                                       (rs->n_headers + 1) * sizeof *nh);
  if (nh == NULL)
    return -1;
  rs->headers = nh;
  char *name = strndup (line, nl), *value = strndup (line + vs, ve - vs);
  if (name == NULL || value == NULL) {
    free (name);
    free (value);
    return -1;
  }
  nh[rs->n_headers].name = name;
  nh[rs->n_headers].value = value;
  rs->n_headers++;
  return 0;
}

/* ---- the client ---------------------------------------------------- */

static int curl_started;

struct fg_http *
fg_http_new (const struct fg_http_opts *opts, struct fg_err *e)
{
  struct fg_http *h;

  if (!curl_started) {
    if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      fg_err_set (e, FG_E_IO, "libcurl could not start");
      return NULL;
    }
    curl_started = 1;
  }
  h = calloc (1, sizeof *h);
  if (h == NULL) {
    fg_err_errno (e, FG_E_IO, ENOMEM, "starting an HTTP client");
    return NULL;
  }
  if (opts != NULL)
    h->o = *opts;
  if (h->o.retries == 0)
    h->o.retries = DEFAULT_RETRIES;
  if (h->o.backoff_ms == 0)
    h->o.backoff_ms = DEFAULT_BACKOFF_MS;
  if (h->o.connect_timeout_s == 0)
    h->o.connect_timeout_s = 30;
  if (h->o.stall_timeout_s == 0)
    h->o.stall_timeout_s = 120;
  if (h->o.cacert != NULL && (h->cacert = strdup (h->o.cacert)) == NULL) {
    free (h);
    fg_err_errno (e, FG_E_IO, ENOMEM, "starting an HTTP client");
    return NULL;
  }
  h->o.cacert = h->cacert;
  h->c = curl_easy_init ();
  if (h->c == NULL) {
    free (h->cacert);
    free (h);
    fg_err_set (e, FG_E_IO, "libcurl could not make a handle");
    return NULL;
  }
  return h;
}

void
fg_http_free (struct fg_http *h)
{
  if (h == NULL)
    return;
  curl_easy_cleanup (h->c);
  free (h->cacert);
  free (h);
}

const struct fg_http_opts *
fg_http_opts (const struct fg_http *h)
{
  return &h->o;
}

/* One transfer's state, shared by the callbacks. */
struct xfer {
  const struct fg_http_req *rq;
  struct fg_http_resp *rs;
  size_t max_body;
  size_t cap;
  int cb_failed;                /* a callback set cb_err */
  int too_big;
  struct fg_err cb_err;
};

static size_t
on_header (char *buf, size_t size, size_t n, void *opaque)
{
  struct xfer *x = opaque;
  if (fg_http_parse_header_line (x->rs, buf, size * n) < 0) {
    x->cb_failed = 1;
    fg_err_errno (&x->cb_err, FG_E_IO, ENOMEM, "reading the answer's headers");
    return 0;
  }
  return size * n;
}

static size_t
on_body (char *buf, size_t size, size_t n, void *opaque)
{
  struct xfer *x = opaque;
  struct fg_http_resp *rs = x->rs;
  size_t len = size * n;

  if (x->rq->write != NULL && rs->status >= 200 && rs->status < 300) {
    if (x->rq->write (x->rq->write_opaque, buf, len, &x->cb_err) < 0) {
      x->cb_failed = 1;
      return 0;
    }
    rs->streamed += len;
    return len;
  }
  if (rs->body_len + len > x->max_body) {
    x->too_big = 1;
    return 0;
  }
  if (rs->body_len + len + 1 > x->cap) {
    size_t nc = x->cap ? x->cap : 4096;
    while (nc < rs->body_len + len + 1)
      nc *= 2;
    char *nb = realloc (rs->body, nc);
    if (nb == NULL) {
      x->cb_failed = 1;
      fg_err_errno (&x->cb_err, FG_E_IO, ENOMEM, "reading an answer");
      return 0;
    }
    rs->body = nb;
    x->cap = nc;
  }
  memcpy (rs->body + rs->body_len, buf, len);
  rs->body_len += len;
  rs->body[rs->body_len] = '\0';
  return len;
}

static size_t
on_read (char *buf, size_t size, size_t n, void *opaque)
{
  struct xfer *x = opaque;
  long got = x->rq->read (x->rq->read_opaque, buf, size * n, &x->cb_err);
  if (got < 0) {
    x->cb_failed = 1;
    return CURL_READFUNC_ABORT;
  }
  return (size_t) got;
}

/* The debug trace: headers only, secret values and query secrets hidden. */
static void
trace_line (const char *dir, const char *line, size_t len)
{
  char buf[2048], red[2048];
  const char *colon;

  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  if (len == 0)
    return;
  if (len >= sizeof buf)
    len = sizeof buf - 1;
  memcpy (buf, line, len);
  buf[len] = '\0';
  colon = memchr (buf, ':', len);
  if (colon != NULL && fg_http_header_is_secret (buf, (size_t) (colon - buf))) {
    fprintf (stderr, "fg2ng: http %s %.*s: (hidden)\n", dir,
             (int) (colon - buf), buf);
    return;
  }
  /* a request line: "GET /path?query HTTP/1.1" */
  char *sp = strchr (buf, ' ');
  if (colon == NULL && sp != NULL && strchr (sp, '?') != NULL) {
    fg_http_redact_url (sp + 1, red, sizeof red);
    fprintf (stderr, "fg2ng: http %s %.*s %s\n", dir, (int) (sp - buf), buf, red);
    return;
  }
  char esc[4096];
  fprintf (stderr, "fg2ng: http %s %s\n", dir, fg_escape_ctl (esc, sizeof esc, buf, 0));
}

static int
on_debug (CURL *c, curl_infotype type, char *data, size_t size, void *opaque)
{
  (void) c; (void) opaque;
  const char *dir = type == CURLINFO_HEADER_OUT ? ">" :
                    type == CURLINFO_HEADER_IN ? "<" :
                    type == CURLINFO_TEXT ? "*" : NULL;
  if (dir == NULL)
    return 0;                   /* bodies are never traced */
  /* several header lines may come in one piece */
  size_t s = 0;
  while (s < size) {
    const char *nl = memchr (data + s, '\n', size - s);
    size_t l = nl != NULL ? (size_t) (nl - (data + s)) + 1 : size - s;
    trace_line (dir, data + s, l);
    s += l;
  }
  return 0;
}

static void
free_slist_wiped (struct curl_slist *l)
{
  for (struct curl_slist *p = l; p != NULL; p = p->next)
    fg_http_wipe (p->data, strlen (p->data));
  curl_slist_free_all (l);
}

static int
is_idempotent (const struct fg_http_req *rq)
{
  if (rq->idempotent != 0)
    return rq->idempotent > 0;
  if (rq->read != NULL)
    return 0;                   /* a stream cannot be sent twice */
  return strcmp (rq->method, "GET") == 0 || strcmp (rq->method, "HEAD") == 0
         || strcmp (rq->method, "PUT") == 0 || strcmp (rq->method, "DELETE") == 0;
}

static void
sleep_ms (unsigned ms)
{
  struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* One try.  0 with RS->status, or -1: *TRANSPORT is 1 for a network
 * failure (retryable), 0 for a failure of ours (not retryable). */
static int
one_try (struct fg_http *h, const struct fg_http_req *rq,
         struct fg_http_resp *rs, int *transport, struct fg_err *e)
{
  CURL *c = h->c;
  struct curl_slist *hl = NULL;
  struct xfer x = { .rq = rq, .rs = rs, .cb_err = FG_ERR_INIT,
                    .max_body = rq->max_body ? rq->max_body : DEFAULT_MAX_BODY };
  char red[1024];
  CURLcode rc;
  int ret = -1;

  *transport = 0;
  curl_easy_reset (c);
  h->errbuf[0] = '\0';
  curl_easy_setopt (c, CURLOPT_URL, rq->url);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, h->errbuf);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, (long) h->o.connect_timeout_s);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (c, CURLOPT_LOW_SPEED_TIME, (long) h->o.stall_timeout_s);
  curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, h->o.insecure ? 0L : 1L);
  curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, h->o.insecure ? 0L : 2L);
  if (h->o.cacert != NULL)
    curl_easy_setopt (c, CURLOPT_CAINFO, h->o.cacert);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "fg2ng/" FG_VERSION);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &x);
  if (h->o.debug) {
    curl_easy_setopt (c, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt (c, CURLOPT_DEBUGFUNCTION, on_debug);
  }

  /* the method and the body */
  if (strcmp (rq->method, "HEAD") == 0)
    curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  else if (strcmp (rq->method, "GET") == 0 && rq->body == NULL && rq->read == NULL)
    curl_easy_setopt (c, CURLOPT_HTTPGET, 1L);
  else if (rq->read != NULL) {
    curl_easy_setopt (c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt (c, CURLOPT_READDATA, &x);
    curl_easy_setopt (c, CURLOPT_INFILESIZE_LARGE, (curl_off_t) rq->read_len);
    if (strcmp (rq->method, "PUT") != 0)
      curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, rq->method);
  } else if (rq->body != NULL || strcmp (rq->method, "PUT") == 0
             || strcmp (rq->method, "POST") == 0) {
    /* a body in memory (Content-Length: 0 when there is none) */
    curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) rq->body_len);
    curl_easy_setopt (c, CURLOPT_POSTFIELDS, rq->body != NULL ? rq->body : "");
    curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, rq->method);
  } else
    curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, rq->method);

  /* the headers: the caller's, then ours */
  for (size_t i = 0; rq->headers != NULL && rq->headers[i] != NULL; i++) {
    struct curl_slist *n = curl_slist_append (hl, rq->headers[i]);
    if (n == NULL)
      goto oom;
    hl = n;
  }
  static const char *const ours[] = { "Connection: close", "Expect:", NULL };
  for (size_t i = 0; ours[i] != NULL; i++) {
    struct curl_slist *n = curl_slist_append (hl, ours[i]);
    if (n == NULL)
      goto oom;
    hl = n;
  }
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, hl);

  rc = curl_easy_perform (c);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, NULL);
  fg_http_redact_url (rq->url, red, sizeof red);
  if (x.cb_failed) {
    fg_err_set (e, x.cb_err.kind ? x.cb_err.kind : FG_E_IO, "%s", x.cb_err.msg);
    if (x.cb_err.hint[0])
      fg_err_hint (e, "%s", x.cb_err.hint);
    e->sys_errno = x.cb_err.sys_errno;
    goto out;
  }
  if (x.too_big) {
    fg_err_set (e, FG_E_IO, "%s '%s': the answer is over %zu bytes",
                rq->method, red, x.max_body);
    goto out;
  }
  if (rc != CURLE_OK) {
    *transport = 1;
    fg_err_set (e, FG_E_IO, "%s '%s': %s%s%s", rq->method, red,
                curl_easy_strerror (rc), h->errbuf[0] ? ": " : "", h->errbuf);
    goto out;
  }
  long st = 0;
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &st);
  rs->status = st;
  ret = 0;
  goto out;

oom:
  fg_err_errno (e, FG_E_IO, ENOMEM, "building a request");
out:
  free_slist_wiped (hl);
  return ret;
}

int
fg_http_do (struct fg_http *h, const struct fg_http_req *rq,
            struct fg_http_resp *rs, struct fg_err *e)
{
  int idem = is_idempotent (rq);
  unsigned wait = h->o.backoff_ms;

  fg_http_resp_free (rs);
  for (unsigned attempt = 0;; attempt++) {
    struct fg_err te = FG_ERR_INIT;
    int transport, r;
    drop_headers (rs);
    free (rs->body);
    rs->body = NULL;
    rs->body_len = 0;
    rs->status = 0;
    rs->tries = attempt + 1;
    r = one_try (h, rq, rs, &transport, &te);
    int may_retry = idem && rs->streamed == 0
                    && attempt < h->o.retries;
    if (r == 0 && !(rs->status >= 500 && may_retry))
      return 0;
    if (r < 0 && !(transport && may_retry)) {
      *e = te;
      return -1;
    }
    if (h->o.debug) {
      char red[1024];
      fprintf (stderr, "fg2ng: http: %s '%s' %s; again in %u ms\n", rq->method,
               fg_http_redact_url (rq->url, red, sizeof red),
               r < 0 ? "failed" : "answered 5xx", wait);
    }
    sleep_ms (wait);
    wait = wait * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : wait * 2;
  }
}

int
fg_http_status_err (struct fg_err *e, const char *method, const char *url,
                    const struct fg_http_resp *rs)
{
  char red[1024], why[256] = "";

  fg_http_redact_url (url, red, sizeof red);
  if (rs->body != NULL && rs->body_len > 0) {
    size_t n = strcspn (rs->body, "\r\n");
    if (n > 200)
      n = 200;
    snprintf (why, sizeof why, ": %.*s", (int) n, rs->body);
  }
  return fg_err_set (e, rs->status >= 400 && rs->status < 500 ? FG_E_INPUT : FG_E_IO,
                     "%s '%s': HTTP %ld%s", method, red, rs->status, why);
}
