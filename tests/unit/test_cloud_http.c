/* tests/unit/test_cloud_http.c --- the pure parts of cloud/http.c: header
 * lines (final answer only, names without case, folded lines), URL
 * redaction, which headers are secrets, status errors */
#include "tests/unit/tap.h"
#include "cloud/http.h"

static void
feed (struct fg_http_resp *rs, const char *lines)
{
  const char *p = lines;
  while (*p) {
    size_t n = strcspn (p, "\n");
    char buf[512];
    snprintf (buf, sizeof buf, "%.*s\r\n", (int) n, p);   /* as curl gives them */
    CHECK_INT (fg_http_parse_header_line (rs, buf, strlen (buf)), 0);
    p += n + (p[n] == '\n');
  }
}

static void
test_headers_of_the_final_answer (void)
{
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;

  feed (&rs, "HTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\n"
        "X-Subject-Token: gAAAAsecret\nEtag:   d41d8cd98f00b204e9800998ecf8427e  \n"
        "Content-Length: 0\nX-Long: one\n  two\n\n");
  CHECK_INT (rs.status, 201);
  CHECK_STR (fg_http_header (&rs, "x-subject-token"), "gAAAAsecret");
  CHECK_STR (fg_http_header (&rs, "ETag"), "d41d8cd98f00b204e9800998ecf8427e");
  CHECK_STR (fg_http_header (&rs, "ETAG"), "d41d8cd98f00b204e9800998ecf8427e");
  CHECK_STR (fg_http_header (&rs, "x-long"), "one two");
  CHECK (fg_http_header (&rs, "Expect") == NULL);
  CHECK_U64 (rs.n_headers, 4);
  /* a header of the 100 is gone with it */
  fg_http_resp_free (&rs);
  feed (&rs, "HTTP/1.1 100 Continue\nX-Early: 1\nHTTP/2 204\n");
  CHECK_INT (rs.status, 204);
  CHECK (fg_http_header (&rs, "X-Early") == NULL);
  /* not headers: ignored */
  feed (&rs, "garbage without colon\n: no name\n");
  CHECK_U64 (rs.n_headers, 0);
  fg_http_resp_free (&rs);
  CHECK (rs.headers == NULL && rs.status == 0);
}

static void
test_urls_are_redacted (void)
{
  char out[512];

  CHECK_STR (fg_http_redact_url ("https://user:pw@swift.example/v1/AUTH_x/c?prefix=a&limit=2",
                                 out, sizeof out),
             "https://swift.example/v1/AUTH_x/c?prefix=a&limit=2");
  CHECK_STR (fg_http_redact_url ("https://s.example/v1/a/c/o?temp_url_sig=abc&temp_url_expires=1&x=y",
                                 out, sizeof out),
             "https://s.example/v1/a/c/o?temp_url_sig=REDACTED&temp_url_expires=1&x=y");
  CHECK_STR (fg_http_redact_url ("http://h/p?token=t&X-Auth-Key=k&password=p&multipart-manifest=get",
                                 out, sizeof out),
             "http://h/p?token=REDACTED&X-Auth-Key=REDACTED&password=REDACTED&multipart-manifest=get");
  CHECK_STR (fg_http_redact_url ("http://127.0.0.1:5000/v3/auth/tokens", out, sizeof out),
             "http://127.0.0.1:5000/v3/auth/tokens");
  /* an @ in the path is not user info */
  CHECK_STR (fg_http_redact_url ("http://h/c/a@b", out, sizeof out), "http://h/c/a@b");
  /* truncated, never overrun */
  CHECK_STR (fg_http_redact_url ("http://h/abcdef", out, 10), "http://h/");
}

static void
test_secret_headers (void)
{
  CHECK (fg_http_header_is_secret ("X-Auth-Token", 12));
  CHECK (fg_http_header_is_secret ("x-auth-key", 10));
  CHECK (fg_http_header_is_secret ("X-SUBJECT-TOKEN", 15));
  CHECK (fg_http_header_is_secret ("Authorization", 13));
  CHECK (!fg_http_header_is_secret ("X-Auth-User", 11));
  CHECK (!fg_http_header_is_secret ("ETag", 4));
  CHECK (!fg_http_header_is_secret ("X-Auth-Tokens", 13));
}

static void
test_status_errors (void)
{
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;
  struct fg_err e = FG_ERR_INIT;
  char body[] = "{\"error\": {\"code\": 404, \"title\": \"Not Found\"}}\nmore";

  rs.status = 404;
  rs.body = body;
  rs.body_len = strlen (body);
  fg_http_status_err (&e, "GET", "http://h/v1/a/c?temp_url_sig=s3cret", &rs);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "GET 'http://h/v1/a/c?temp_url_sig=REDACTED': HTTP 404");
  CHECK_CONTAINS (e.msg, "Not Found");
  CHECK (strstr (e.msg, "s3cret") == NULL);
  CHECK (strstr (e.msg, "more") == NULL);
  fg_err_clear (&e);
  rs.status = 503;
  rs.body = NULL;
  rs.body_len = 0;
  fg_http_status_err (&e, "PUT", "http://h/x", &rs);
  CHECK_INT (e.kind, FG_E_IO);
  CHECK_STR (e.msg, "PUT 'http://h/x': HTTP 503");
}

static void
test_a_refused_connection_is_io_after_retries (void)
{
  struct fg_http_opts o = { .retries = 2, .backoff_ms = 1, .connect_timeout_s = 2 };
  struct fg_err e = FG_ERR_INIT;
  struct fg_http *h = fg_http_new (&o, &e);
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;
  const char *hdrs[] = { "X-Auth-Token: tok-s3cret", NULL };
  /* port 1 on the loopback: nothing listens there */
  struct fg_http_req rq = { .method = "GET", .url = "http://127.0.0.1:1/v1/x?token=s3cret",
                            .headers = hdrs };

  CHECK (h != NULL);
  CHECK_INT (fg_http_do (h, &rq, &rs, &e), -1);
  CHECK_INT (e.kind, FG_E_IO);
  CHECK_INT (rs.tries, 3);
  CHECK_CONTAINS (e.msg, "GET 'http://127.0.0.1:1/v1/x?token=REDACTED'");
  CHECK (strstr (e.msg, "s3cret") == NULL);
  fg_http_resp_free (&rs);
  fg_http_free (h);
}

int
main (void)
{
  RUN (test_headers_of_the_final_answer);
  RUN (test_urls_are_redacted);
  RUN (test_secret_headers);
  RUN (test_status_errors);
  RUN (test_a_refused_connection_is_io_after_retries);
  return TAP_DONE ();
}
