/* cloud/swift.c --- Swift listing, HEAD and a checked, resumed GET */
#include "cloud/swift.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/strbuf.h"

#define TOKEN_HDR_MAX 8192

/* ---- helpers ------------------------------------------------------- */

/* S percent-encoded into B; '/' kept when KEEP_SLASH. */
static void
put_escaped (struct fg_strbuf *b, const char *s, int keep_slash)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if (isalnum (*p) || strchr ("-._~", *p) != NULL || (keep_slash && *p == '/'))
      fg_strbuf_putc (b, (char) *p);
    else
      fg_strbuf_printf (b, "%%%02X", *p);
  }
}

char *
fg_swift_etag_bare (const char *etag, char *out, size_t cap)
{
  size_t o = 0;
  if (cap == 0)
    return out;
  for (const char *p = etag != NULL ? etag : ""; *p && o + 1 < cap; p++)
    if (*p != '"')
      out[o++] = (char) tolower ((unsigned char) *p);
  out[o] = '\0';
  return out;
}

static void
md5_hex (EVP_MD_CTX *ctx, char out[33])
{
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned dl = 0;
  EVP_DigestFinal_ex (ctx, d, &dl);
  for (unsigned i = 0; i < 16 && i < dl; i++)
    snprintf (out + 2 * i, 3, "%02x", d[i]);
  out[32] = '\0';
}

void
fg_swift_manifest_etag (const char *const *md5s, size_t n, char out[33])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  EVP_DigestInit_ex (ctx, EVP_md5 (), NULL);
  for (size_t i = 0; i < n; i++)
    EVP_DigestUpdate (ctx, md5s[i], strlen (md5s[i]));
  md5_hex (ctx, out);
  EVP_MD_CTX_free (ctx);
}

static void
sleep_ms (unsigned ms)
{
  struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* One request to PATH (under the storage URL: "/container/object?..."),
 * with the token and EXTRA headers; a 401 renews the token once. */
static int
swift_do (struct fg_auth *a, const char *method, const char *path,
          const char *const *extra, struct fg_http_req *tmpl,
          struct fg_http_resp *rs, struct fg_err *e)
{
  char tok[TOKEN_HDR_MAX];
  const char *hdrs[8];
  struct fg_strbuf url = FG_STRBUF_INIT;
  char *u;
  int ret = -1;

  if (fg_auth_storage_url (a) == NULL)
    return fg_err_set (e, FG_E_USAGE, "no object-store endpoint in the catalog of %s",
                       fg_auth_creds (a)->from);
  fg_strbuf_puts (&url, fg_auth_storage_url (a));
  fg_strbuf_puts (&url, path);
  if ((u = fg_strbuf_take (&url)) == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "building a URL");
  for (int renewed = 0;; renewed = 1) {
    size_t n = 0;
    if (fg_auth_header (a, tok, sizeof tok, e) < 0)
      break;
    hdrs[n++] = tok;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 7; i++)
      hdrs[n++] = extra[i];
    hdrs[n] = NULL;
    struct fg_http_req rq = *tmpl;
    rq.method = method;
    rq.url = u;
    rq.headers = hdrs;
    int r = fg_http_do (fg_auth_http (a), &rq, rs, e);
    fg_http_wipe (tok, sizeof tok);
    if (r < 0)
      break;
    if (rs->status == 401 && !renewed) {
      if (fg_auth_renew (a, e) < 0)
        break;
      continue;
    }
    ret = 0;
    break;
  }
  free (u);
  return ret;
}

static int
status_err (struct fg_auth *a, const char *method, const char *path,
            const struct fg_http_resp *rs, struct fg_err *e)
{
  char url[4096];
  snprintf (url, sizeof url, "%s%s", fg_auth_storage_url (a), path);
  return fg_http_status_err (e, method, url, rs);
}

/* ---- list ---------------------------------------------------------- */

void
fg_swift_objs_free (struct fg_swift_obj *objs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free (objs[i].name);
    free (objs[i].hash);
  }
  free (objs);
}

int
fg_swift_list (struct fg_auth *a, const char *container, const char *prefix,
               unsigned limit, struct fg_swift_obj **objs, size_t *n,
               unsigned *pages, struct fg_err *e)
{
  struct fg_swift_obj *v = NULL;
  size_t nv = 0;
  char *marker = NULL;
  unsigned page = 0, per = limit ? limit : 10000;
  int ret = -1;

  for (;;) {
    struct fg_strbuf p = FG_STRBUF_INIT;
    struct fg_http_resp rs = FG_HTTP_RESP_INIT;
    struct fg_http_req tmpl = { .max_body = 64u << 20 };
    const char *const acc[] = { "Accept: application/json", NULL };
    char *path;

    fg_strbuf_putc (&p, '/');
    put_escaped (&p, container, 0);
    fg_strbuf_puts (&p, "?format=json");
    if (limit)
      fg_strbuf_printf (&p, "&limit=%u", limit);
    if (prefix != NULL && *prefix) {
      fg_strbuf_puts (&p, "&prefix=");
      put_escaped (&p, prefix, 0);
    }
    if (marker != NULL) {
      fg_strbuf_puts (&p, "&marker=");
      put_escaped (&p, marker, 0);
    }
    if ((path = fg_strbuf_take (&p)) == NULL) {
      fg_err_errno (e, FG_E_IO, ENOMEM, "listing '%s'", container);
      goto out;
    }
    page++;
    if (swift_do (a, "GET", path, acc, &tmpl, &rs, e) < 0) {
      free (path);
      goto out;
    }
    if (rs.status == 404) {
      fg_err_set (e, FG_E_INPUT, "no container '%s' in the account", container);
      free (path);
      fg_http_resp_free (&rs);
      goto out;
    }
    if (rs.status == 204) {     /* empty container */
      free (path);
      fg_http_resp_free (&rs);
      break;
    }
    if (rs.status != 200) {
      status_err (a, "GET", path, &rs, e);
      free (path);
      fg_http_resp_free (&rs);
      goto out;
    }
    json_error_t je;
    json_t *doc = json_loadb (rs.body ? rs.body : "", rs.body_len, 0, &je), *it;
    size_t i, got = json_is_array (doc) ? json_array_size (doc) : 0;
    if (!json_is_array (doc)) {
      fg_err_set (e, FG_E_IO, "the listing of '%s' is not a JSON array: %s",
                  container, je.text);
      json_decref (doc);
      free (path);
      fg_http_resp_free (&rs);
      goto out;
    }
    free (path);
    fg_http_resp_free (&rs);
    struct fg_swift_obj *nv2 = got ? realloc (v, (nv + got) * sizeof *v) : v;
    if (got && nv2 == NULL) {
      json_decref (doc);
      fg_err_errno (e, FG_E_IO, ENOMEM, "listing '%s'", container);
      goto out;
    }
    v = nv2;
    json_array_foreach (doc, i, it) {
      const char *name = json_string_value (json_object_get (it, "name"));
      const char *hash = json_string_value (json_object_get (it, "hash"));
      json_t *bytes = json_object_get (it, "bytes");
      if (name == NULL)
        continue;               /* a "subdir": none without a delimiter */
      v[nv].name = strdup (name);
      v[nv].hash = strdup (hash != NULL ? hash : "");
      v[nv].bytes = json_is_integer (bytes) ? (uint64_t) json_integer_value (bytes) : 0;
      nv++;
      if (v[nv - 1].name == NULL || v[nv - 1].hash == NULL) {
        json_decref (doc);
        fg_err_errno (e, FG_E_IO, ENOMEM, "listing '%s'", container);
        goto out;
      }
    }
    json_decref (doc);
    if (got < per || nv == 0)
      break;
    free (marker);
    if ((marker = strdup (v[nv - 1].name)) == NULL) {
      fg_err_errno (e, FG_E_IO, ENOMEM, "listing '%s'", container);
      goto out;
    }
  }
  ret = 0;
out:
  free (marker);
  if (pages != NULL)
    *pages = page;
  if (ret < 0) {
    fg_swift_objs_free (v, nv);
    v = NULL;
    nv = 0;
  }
  *objs = v;
  *n = nv;
  return ret;
}

/* ---- HEAD ---------------------------------------------------------- */

static char *
object_path (const char *container, const char *object, const char *query)
{
  struct fg_strbuf p = FG_STRBUF_INIT;
  fg_strbuf_putc (&p, '/');
  put_escaped (&p, container, 0);
  fg_strbuf_putc (&p, '/');
  put_escaped (&p, object, 1);
  if (query != NULL)
    fg_strbuf_puts (&p, query);
  return fg_strbuf_take (&p);
}

static void
info_of (const struct fg_http_resp *rs, struct fg_swift_info *info)
{
  const char *v;
  memset (info, 0, sizeof *info);
  if ((v = fg_http_header (rs, "Content-Length")) != NULL)
    info->size = strtoull (v, NULL, 10);
  if ((v = fg_http_header (rs, "ETag")) != NULL)
    snprintf (info->etag, sizeof info->etag, "%s", v);
  v = fg_http_header (rs, "X-Static-Large-Object");
  info->slo = v != NULL && strcasecmp (v, "true") == 0;
  if ((v = fg_http_header (rs, "X-Object-Manifest")) != NULL)
    snprintf (info->dlo, sizeof info->dlo, "%s", v);
}

int
fg_swift_head (struct fg_auth *a, const char *container, const char *object,
               struct fg_swift_info *info, struct fg_err *e)
{
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;
  struct fg_http_req tmpl = { 0 };
  char *path = object_path (container, object, NULL);
  int ret = -1;

  if (path == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading '%s'", object);
  if (swift_do (a, "HEAD", path, NULL, &tmpl, &rs, e) < 0)
    goto out;
  if (rs.status == 404) {
    fg_err_set (e, FG_E_INPUT, "no object '%s' in container '%s'", object, container);
    goto out;
  }
  if (rs.status != 200) {
    status_err (a, "HEAD", path, &rs, e);
    goto out;
  }
  info_of (&rs, info);
  ret = 0;
out:
  free (path);
  fg_http_resp_free (&rs);
  return ret;
}

/* ---- the segments of a manifest ----------------------------------- */

struct seg {
  char *name;
  uint64_t len;
  char md5[33];
};

struct segs {
  struct seg *v;
  size_t n;
  char note[256];               /* set: not checked, and why */
};

static void
segs_free (struct segs *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->v[i].name);
  free (s->v);
  s->v = NULL;
  s->n = 0;
}

static int
segs_add (struct segs *s, const char *name, uint64_t len, const char *md5,
          struct fg_err *e)
{
  struct seg *nv = realloc (s->v, (s->n + 1) * sizeof *nv);
  if (nv == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading a manifest");
  s->v = nv;
  if ((nv[s->n].name = strdup (name)) == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading a manifest");
  nv[s->n].len = len;
  fg_swift_etag_bare (md5, nv[s->n].md5, sizeof nv[s->n].md5);
  s->n++;
  return 0;
}

static int
slo_segments (struct fg_auth *a, const char *container, const char *object,
              struct segs *s, struct fg_err *e)
{
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;
  struct fg_http_req tmpl = { .max_body = 64u << 20 };
  char *path = object_path (container, object, "?multipart-manifest=get");
  json_t *doc = NULL, *it;
  json_error_t je;
  size_t i;
  int ret = -1;

  if (path == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading '%s'", object);
  if (swift_do (a, "GET", path, NULL, &tmpl, &rs, e) < 0)
    goto out;
  if (rs.status != 200) {
    status_err (a, "GET", path, &rs, e);
    goto out;
  }
  doc = json_loadb (rs.body ? rs.body : "", rs.body_len, 0, &je);
  if (!json_is_array (doc)) {
    fg_err_set (e, FG_E_INPUT, "the SLO manifest of '%s' is not a JSON array", object);
    goto out;
  }
  json_array_foreach (doc, i, it) {
    const char *name = json_string_value (json_object_get (it, "name"));
    const char *hash = json_string_value (json_object_get (it, "hash"));
    json_t *bytes = json_object_get (it, "bytes");
    if (json_object_get (it, "range") != NULL || json_is_true (json_object_get (it, "sub_slo"))
        || name == NULL || hash == NULL || !json_is_integer (bytes)) {
      snprintf (s->note, sizeof s->note,
                "segment %zu of the SLO has a range, is an SLO itself, or is inline data: "
                "its segments are not checked", i);
      ret = 0;
      goto out;
    }
    if (segs_add (s, name, (uint64_t) json_integer_value (bytes), hash, e) < 0)
      goto out;
  }
  ret = 0;
out:
  json_decref (doc);
  free (path);
  fg_http_resp_free (&rs);
  return ret;
}

static int
dlo_segments (struct fg_auth *a, const char *manifest, struct segs *s,
              struct fg_err *e)
{
  char buf[1024];
  size_t o = 0;
  struct fg_swift_obj *objs;
  size_t n;

  /* "container/prefix", percent-encoded or not */
  for (const char *p = manifest; *p && o + 1 < sizeof buf; p++) {
    if (p[0] == '%' && isxdigit ((unsigned char) p[1]) && isxdigit ((unsigned char) p[2])) {
      char hx[3] = { p[1], p[2], 0 };
      buf[o++] = (char) strtol (hx, NULL, 16);
      p += 2;
    } else
      buf[o++] = *p;
  }
  buf[o] = '\0';
  char *slash = strchr (buf, '/');
  if (slash == NULL || slash == buf)
    return fg_err_set (e, FG_E_INPUT, "X-Object-Manifest '%s' is not CONTAINER/PREFIX",
                       manifest);
  *slash = '\0';
  if (fg_swift_list (a, buf, slash + 1, 0, &objs, &n, NULL, e) < 0)
    return fg_err_prefix (e, "listing the segments of a DLO");
  for (size_t i = 0; i < n; i++) {
    char full[2048];
    snprintf (full, sizeof full, "/%s/%s", buf, objs[i].name);
    if (segs_add (s, full, objs[i].bytes, objs[i].hash, e) < 0) {
      fg_swift_objs_free (objs, n);
      return -1;
    }
  }
  fg_swift_objs_free (objs, n);
  return 0;
}

/* ---- the GET ------------------------------------------------------- */

struct getst {
  fg_http_write_fn write;
  void *opaque;
  const char *object;
  uint64_t pos;
  EVP_MD_CTX *whole, *seg;
  struct segs *segs;            /* NULL: not checked per segment */
  size_t cur;
  uint64_t seg_pos;
  int cb_failed;
};

static int
on_bytes (void *opaque, const void *buf, size_t n, struct fg_err *e)
{
  struct getst *g = opaque;
  const unsigned char *p = buf;
  size_t left = n;

  EVP_DigestUpdate (g->whole, buf, n);
  while (g->segs != NULL && left > 0) {
    if (g->cur >= g->segs->n) {
      g->cb_failed = 1;
      return fg_err_set (e, FG_E_INPUT, "'%s' is longer than its segments say", g->object);
    }
    struct seg *s = &g->segs->v[g->cur];
    uint64_t room = s->len - g->seg_pos;
    size_t take = left < room ? left : (size_t) room;
    EVP_DigestUpdate (g->seg, p, take);
    g->seg_pos += take;
    p += take;
    left -= take;
    if (g->seg_pos == s->len) {
      char got[33];
      md5_hex (g->seg, got);
      if (strcmp (got, s->md5) != 0) {
        g->cb_failed = 1;
        return fg_err_set (e, FG_E_INPUT,
                           "segment %zu ('%s') of '%s' has MD5 %s, its manifest says %s",
                           g->cur, s->name, g->object, got, s->md5);
      }
      EVP_DigestInit_ex (g->seg, EVP_md5 (), NULL);
      g->cur++;
      g->seg_pos = 0;
    }
  }
  if (g->write (g->opaque, buf, n, e) < 0) {
    g->cb_failed = 1;
    return -1;
  }
  g->pos += n;
  return 0;
}

/* Zero-length segments end where they start: step past them. */
static void
skip_empty (struct getst *g)
{
  while (g->segs != NULL && g->cur < g->segs->n && g->segs->v[g->cur].len == 0)
    g->cur++;
}

static int
plan_segments (struct fg_auth *a, const char *container, const char *object,
               const struct fg_swift_info *info, struct segs *s,
               struct fg_err *e)
{
  char want[80], got[33];
  uint64_t total = 0;
  const char **md5s;

  if (info->slo ? slo_segments (a, container, object, s, e) < 0
                : dlo_segments (a, info->dlo, s, e) < 0)
    return -1;
  if (s->note[0] != '\0') {
    segs_free (s);
    return 0;
  }
  for (size_t i = 0; i < s->n; i++)
    total += s->v[i].len;
  if (total != info->size) {
    snprintf (s->note, sizeof s->note,
              "its segments add up to %" PRIu64 " bytes, the object has %" PRIu64
              ": its segments are not checked", total, info->size);
    segs_free (s);
    return 0;
  }
  md5s = calloc (s->n + 1, sizeof *md5s);
  if (md5s == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading a manifest");
  for (size_t i = 0; i < s->n; i++)
    md5s[i] = s->v[i].md5;
  fg_swift_manifest_etag (md5s, s->n, got);
  free (md5s);
  fg_swift_etag_bare (info->etag, want, sizeof want);
  if (strcmp (got, want) != 0)
    return fg_err_set (e, FG_E_INPUT,
                       "the %zu segments of '%s' give the ETag %s, the object says %s "
                       "(changed while being read?)", s->n, object, got, want);
  return 0;
}

int
fg_swift_get (struct fg_auth *a, const char *container, const char *object,
              fg_http_write_fn write, void *opaque,
              const struct fg_swift_get_opts *opts,
              struct fg_swift_get_result *res, struct fg_err *e)
{
  struct segs segs = { 0 };
  struct getst g = { .write = write, .opaque = opaque, .object = object };
  unsigned max_tries = opts != NULL && opts->retries ? opts->retries : 5;
  unsigned wait = opts != NULL && opts->backoff_ms ? opts->backoff_ms : 1000;
  unsigned fails = 0;
  char *path = NULL;
  int ret = -1;

  memset (res, 0, sizeof *res);
  if (fg_swift_head (a, container, object, &res->info, e) < 0)
    return -1;
  int manifest = res->info.slo || res->info.dlo[0] != '\0';
  if (manifest) {
    if (plan_segments (a, container, object, &res->info, &segs, e) < 0)
      goto out;
    res->segments = segs.n;
    if (segs.note[0] != '\0')
      snprintf (res->note, sizeof res->note, "%s", segs.note);
    else
      g.segs = &segs;
  }
  g.whole = EVP_MD_CTX_new ();
  g.seg = EVP_MD_CTX_new ();
  path = object_path (container, object, NULL);
  if (g.whole == NULL || g.seg == NULL || path == NULL) {
    fg_err_errno (e, FG_E_IO, ENOMEM, "reading '%s'", object);
    goto out;
  }
  EVP_DigestInit_ex (g.whole, EVP_md5 (), NULL);
  EVP_DigestInit_ex (g.seg, EVP_md5 (), NULL);
  skip_empty (&g);

  for (;;) {
    struct fg_http_resp rs = FG_HTTP_RESP_INIT;
    struct fg_http_req tmpl = { .write = on_bytes, .write_opaque = &g };
    char range[64];
    const char *extra[] = { range, NULL };
    uint64_t before = g.pos;
    struct fg_err te = FG_ERR_INIT;

    snprintf (range, sizeof range, "Range: bytes=%" PRIu64 "-", g.pos);
    int r = swift_do (a, "GET", path, g.pos > 0 ? extra : NULL, &tmpl, &rs, &te);
    if (r == 0 && rs.status == 416 && g.pos == res->info.size) {
      fg_http_resp_free (&rs);
      break;
    }
    if (r == 0 && (rs.status == 200 || rs.status == 206)) {
      const char *et = fg_http_header (&rs, "ETag");
      const char *cr = fg_http_header (&rs, "Content-Range");
      if (et == NULL || strcmp (et, res->info.etag) != 0) {
        fg_err_set (e, FG_E_INPUT, "'%s' changed while being read (ETag %s, then %s)",
                    object, res->info.etag, et != NULL ? et : "none");
        fg_http_resp_free (&rs);
        goto out;
      }
      if (before > 0 && (rs.status != 206 || cr == NULL
                         || strtoull (cr + strcspn (cr, "0123456789"), NULL, 10) != before)) {
        fg_err_set (e, FG_E_IO, "resuming '%s' at byte %" PRIu64 ": the answer is %ld%s%s",
                    object, before, rs.status, cr ? ", " : "", cr ? cr : "");
        fg_http_resp_free (&rs);
        goto out;
      }
    }
    if (r == 0 && rs.status != 200 && rs.status != 206) {
      if (rs.status == 404)
        fg_err_set (e, FG_E_INPUT, "no object '%s' in container '%s'", object, container);
      else
        status_err (a, "GET", path, &rs, e);
      fg_http_resp_free (&rs);
      goto out;
    }
    fg_http_resp_free (&rs);
    if (r == 0 && g.pos == res->info.size)
      break;
    if (r < 0 && g.cb_failed) {
      *e = te;
      goto out;
    }
    /* dropped (or short): resume from g.pos */
    if (g.pos > before)
      fails = 0;
    if (++fails > max_tries) {
      if (r < 0)
        *e = te;
      else
        fg_err_set (e, FG_E_IO, "'%s' ended at byte %" PRIu64 " of %" PRIu64,
                    object, g.pos, res->info.size);
      fg_err_prefix (e, "reading '%s' (%u tries in a row without progress)", object,
                     fails);
      goto out;
    }
    if (r < 0 && te.kind != FG_E_IO) {
      *e = te;
      goto out;
    }
    sleep_ms (wait);
    wait = wait * 2 > 30000 ? 30000 : wait * 2;
    res->resumes++;
  }
  /* the whole object is here: check it */
  md5_hex (g.whole, res->md5);
  res->bytes = g.pos;
  if (!manifest) {
    char want[80];
    fg_swift_etag_bare (res->info.etag, want, sizeof want);
    if (strcmp (want, res->md5) != 0) {
      fg_err_set (e, FG_E_INPUT, "'%s' has MD5 %s, its ETag says %s", object,
                  res->md5, want);
      goto out;
    }
    res->check = FG_SWIFT_CHECK_MD5;
  } else if (g.segs != NULL) {
    skip_empty (&g);
    if (g.cur != segs.n) {
      fg_err_set (e, FG_E_INPUT, "'%s' ended in segment %zu of %zu", object, g.cur, segs.n);
      goto out;
    }
    res->check = FG_SWIFT_CHECK_SEGMENTS;
  } else
    res->check = FG_SWIFT_CHECK_SKIPPED;
  ret = 0;
out:
  res->bytes = g.pos;
  EVP_MD_CTX_free (g.whole);
  EVP_MD_CTX_free (g.seg);
  segs_free (&segs);
  free (path);
  return ret;
}
