/* agent/http.c --- the HTTP front of the agent (see http.h) */
#include "agent/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Requests are small and quick (a decision and one transaction): a few
 * threads serve hundreds of clients at once. */
#define POOL_THREADS 4
/* Idle time allowed between the bytes of a request that showed a token
 * (its body) and between requests on a kept-alive connection.  It is
 * reset by every byte, so it does not bound a slow sender: the header
 * deadline below does. */
#define CONNECTION_TIMEOUT_S 15
#define MAX_TLS_FILE (1u << 20)

/* One accepted connection, from MHD_CONNECTION_NOTIFY_STARTED to
 * MHD_CONNECTION_NOTIFY_CLOSED.  libmicrohttpd resets a connection's
 * timeout on every byte it receives, so a client sending one header byte
 * every few seconds would keep its slot for ever without a token, and a
 * few hundred such clients would shut out the control panel.  Each
 * connection therefore has a deadline, fixed when it is accepted (or when
 * its previous request ended): by then the request must have shown a good
 * token, or have been answered.  The sweeper thread shuts down the socket
 * of every connection past its deadline; libmicrohttpd then sees the
 * connection end and closes it as usual. */
struct track {
  struct track *prev, *next;
  int fd;
  double deadline;            /* monotonic seconds; 0: none (a token) */
  int shut;                   /* shutdown() done */
  char peer[INET6_ADDRSTRLEN + 8];
};

struct fg_http {
  struct MHD_Daemon *d;
  pthread_mutex_t lock;       /* guards token */
  char token[FG_AGENT_TOKEN_MAX];
  char *public_path;
  size_t body_limit;
  fg_http_handler handle;
  fg_http_logger log;
  void *opaque;
  char address[128 + 108];
  char *unix_path;            /* to remove at the end */
  int unix_fd;
  char *cert, *key;           /* PEM, kept while the daemon runs */
  int quiesced;
  unsigned header_timeout;    /* seconds */
  pthread_mutex_t track_lock; /* guards tracked, each track, sweeper_stop */
  pthread_cond_t track_cond;  /* wakes the sweeper to stop */
  struct track *tracked;
  pthread_t sweeper;
  int sweeper_running, sweeper_stop;
};

/* What one request has sent so far. */
struct conn {
  char *body;
  size_t len;
  int too_big;
  int authenticated;
};

/* S with its control characters and bytes that are not UTF-8 escaped
 * (malloc'd): messages quote what the client sent, and jansson refuses a
 * string that is not UTF-8. */
static char *
escape_dup (const char *s)
{
  size_t cap = 4 * strlen (s) + 1;
  char *out = malloc (cap);

  return out ? fg_escape_ctl (out, cap, s, 0) : NULL;
}

char *
fg_http_error_body (const char *message, const char *field)
{
  char *msg = escape_dup (message), *fld = field && *field
              ? escape_dup (field) : NULL;
  json_t *o = msg ? json_pack ("{s:s}", "error", msg) : NULL;
  char *s;

  if (o && fld)
    json_object_set_new (o, "field", json_string (fld));
  s = o ? json_dumps (o, JSON_COMPACT) : NULL;
  json_decref (o);
  free (msg);
  free (fld);
  return s;
}

static enum MHD_Result
send_reply (struct MHD_Connection *conn, unsigned status, char *body,
            const char *allow)
{
  struct MHD_Response *r;
  enum MHD_Result rc;
  size_t len;

  if (body == NULL)
    body = strdup ("{}");
  if (body == NULL)
    return MHD_NO;
  /* One line per reply: curl users see it end cleanly. */
  len = strlen (body);
  {
    char *nl = realloc (body, len + 2);
    if (nl == NULL) {
      free (body);
      return MHD_NO;
    }
    body = nl;
    body[len++] = '\n';
    body[len] = '\0';
  }
  r = MHD_create_response_from_buffer (len, body, MHD_RESPMEM_MUST_FREE);
  if (r == NULL) {
    free (body);
    return MHD_NO;
  }
  MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE,
                           "application/json");
  MHD_add_response_header (r, "Cache-Control", "no-store");
  if (status == MHD_HTTP_UNAUTHORIZED)
    MHD_add_response_header (r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                             "Bearer realm=\"fg2ng-agent\"");
  if (allow)
    MHD_add_response_header (r, MHD_HTTP_HEADER_ALLOW, allow);
  rc = MHD_queue_response (conn, status, r);
  MHD_destroy_response (r);
  return rc;
}

static enum MHD_Result
refuse (struct fg_http *h, struct MHD_Connection *conn, unsigned status,
        const char *method, const char *url, const char *msg)
{
  if (h->log)
    h->log (h->opaque, status, method, url, msg);
  return send_reply (conn, status, fg_http_error_body (msg, NULL), NULL);
}

static int
authorized (struct fg_http *h, struct MHD_Connection *conn)
{
  const char *auth = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_AUTHORIZATION);
  int ok;

  if (auth == NULL || strncasecmp (auth, "Bearer ", 7) != 0)
    return 0;
  auth += 7;
  while (*auth == ' ')
    auth++;
  pthread_mutex_lock (&h->lock);
  ok = fg_token_equal (h->token, auth);
  pthread_mutex_unlock (&h->lock);
  return ok;
}

/* ---- connections and their header deadline ------------------------------ */

static double
mono (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static struct track *
track_of (struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info (conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info ? info->socket_context : NULL;
}

/* Start (ON) or stop the clock of CONN's connection. */
static void
set_deadline (struct fg_http *h, struct MHD_Connection *conn, int on)
{
  struct track *t = track_of (conn);

  if (t == NULL)
    return;
  pthread_mutex_lock (&h->track_lock);
  t->deadline = on ? mono () + h->header_timeout : 0;
  pthread_mutex_unlock (&h->track_lock);
}

static void
peer_name (struct MHD_Connection *conn, char *buf, size_t cap)
{
  const union MHD_ConnectionInfo *info =
    MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = info ? info->client_addr : NULL;
  char host[INET6_ADDRSTRLEN];

  snprintf (buf, cap, "a local socket");
  if (sa && sa->sa_family == AF_INET &&
      inet_ntop (AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
                 host, sizeof host))
    snprintf (buf, cap, "%s", host);
  else if (sa && sa->sa_family == AF_INET6 &&
           inet_ntop (AF_INET6,
                      &((const struct sockaddr_in6 *) sa)->sin6_addr, host,
                      sizeof host))
    snprintf (buf, cap, "[%s]", host);
}

static void
on_connection (void *cls, struct MHD_Connection *conn, void **socket_context,
               enum MHD_ConnectionNotificationCode toe)
{
  struct fg_http *h = cls;
  struct track *t = *socket_context;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *info =
      MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == NULL || (t = calloc (1, sizeof *t)) == NULL) {
      /* Untracked, it could outstay any deadline: not taken. */
      if (info)
        shutdown (info->connect_fd, SHUT_RDWR);
      return;
    }
    t->fd = info->connect_fd;
    t->deadline = mono () + h->header_timeout;
    peer_name (conn, t->peer, sizeof t->peer);
    pthread_mutex_lock (&h->track_lock);
    t->next = h->tracked;
    if (h->tracked)
      h->tracked->prev = t;
    h->tracked = t;
    pthread_mutex_unlock (&h->track_lock);
    *socket_context = t;
  } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && t) {
    /* Called before libmicrohttpd closes the socket: once unlinked here,
     * the sweeper never touches a descriptor number that was reused. */
    pthread_mutex_lock (&h->track_lock);
    if (t->prev)
      t->prev->next = t->next;
    else
      h->tracked = t->next;
    if (t->next)
      t->next->prev = t->prev;
    pthread_mutex_unlock (&h->track_lock);
    free (t);
    *socket_context = NULL;
  }
}

static void *
sweep (void *arg)
{
  struct fg_http *h = arg;

  pthread_mutex_lock (&h->track_lock);
  while (!h->sweeper_stop) {
    double t = mono (), next = t + 1;
    unsigned n = 0;
    char first[sizeof ((struct track *) 0)->peer] = "";
    struct timespec until;

    for (struct track *k = h->tracked; k; k = k->next) {
      if (k->deadline == 0 || k->shut)
        continue;
      if (t >= k->deadline) {
        shutdown (k->fd, SHUT_RDWR);
        k->shut = 1;
        if (n++ == 0)
          snprintf (first, sizeof first, "%s", k->peer);
      } else if (k->deadline < next)
        next = k->deadline;
    }
    if (n > 0 && h->log) {
      /* One line per sweep, however many: a flood does not flood the
       * log. */
      char msg[256];
      pthread_mutex_unlock (&h->track_lock);
      snprintf (msg, sizeof msg, "no complete request with a token within "
                "%u s ('header_timeout_seconds'): closed %u connection%s "
                "(%s%s)", h->header_timeout, n, n == 1 ? "" : "s",
                n == 1 ? "from " : "the first from ", first);
      h->log (h->opaque, MHD_HTTP_REQUEST_TIMEOUT, NULL, NULL, msg);
      pthread_mutex_lock (&h->track_lock);
      continue;
    }
    until.tv_sec = (time_t) next;
    until.tv_nsec = (long) ((next - (double) until.tv_sec) * 1e9);
    pthread_cond_timedwait (&h->track_cond, &h->track_lock, &until);
  }
  pthread_mutex_unlock (&h->track_lock);
  return NULL;
}

static enum MHD_Result
refuse_too_big (struct fg_http *h, struct MHD_Connection *conn,
                const char *method, const char *url)
{
  char msg[128];

  snprintf (msg, sizeof msg, "the body is larger than the limit of %zu "
            "bytes", h->body_limit);
  return refuse (h, conn, MHD_HTTP_CONTENT_TOO_LARGE, method, url, msg);
}

/* The first call for a request: the headers are in, no body has been
 * read.  Refuse here whatever can be refused, before reading anything
 * more. */
static enum MHD_Result
on_headers (struct fg_http *h, struct MHD_Connection *conn, const char *url,
            const char *method, void **con_cls)
{
  const char *cl;
  /* HEAD is GET without the body (MHD drops it): a probe may use
   * either. */
  int public = h->public_path && (strcmp (method, "GET") == 0 ||
                                  strcmp (method, "HEAD") == 0) &&
               strcmp (url, h->public_path) == 0;
  struct conn *c = calloc (1, sizeof *c);

  if (c == NULL)
    return MHD_NO;
  *con_cls = c;
  c->authenticated = authorized (h, conn);
  /* A good token stops the clock (its body may take its time, within
   * the idle timeout); without one, the clock runs until the request
   * is answered: a probe is quick, and a 401 is sent at once. */
  if (c->authenticated)
    set_deadline (h, conn, 0);
  if (!c->authenticated && !public)
    return refuse (h, conn, MHD_HTTP_UNAUTHORIZED, method, url,
                   MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION)
                   ? "wrong token" : "missing 'Authorization: Bearer "
                   "TOKEN' header");
  cl = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl && strtoull (cl, NULL, 10) > h->body_limit)
    return refuse_too_big (h, conn, method, url);
  return MHD_YES;
}

/* More body.  Past the limit it is read and dropped: a client that does
 * not say its length still cannot make us hold more. */
static enum MHD_Result
on_body (struct fg_http *h, struct conn *c, const char *upload, size_t n)
{
  if (!c->too_big && c->len + n > h->body_limit) {
    c->too_big = 1;
    free (c->body);
    c->body = NULL;
    c->len = 0;
  }
  if (!c->too_big) {
    char *bigger = realloc (c->body, c->len + n + 1);
    if (bigger == NULL)
      return MHD_NO;
    c->body = bigger;
    memcpy (c->body + c->len, upload, n);
    c->len += n;
    c->body[c->len] = '\0';
  }
  return MHD_YES;
}

static enum MHD_Result
on_request (void *cls, struct MHD_Connection *conn, const char *url,
            const char *method, const char *version, const char *upload,
            size_t *upload_size, void **con_cls)
{
  struct fg_http *h = cls;
  struct conn *c = *con_cls;
  struct fg_http_request req;
  struct fg_http_reply rep;
  enum MHD_Result rc;

  (void) version;
  if (c == NULL)
    return on_headers (h, conn, url, method, con_cls);
  if (*upload_size > 0) {
    rc = on_body (h, c, upload, *upload_size);
    if (rc == MHD_YES)
      *upload_size = 0;
    return rc;
  }
  if (c->too_big)
    return refuse_too_big (h, conn, method, url);
  memset (&req, 0, sizeof req);
  memset (&rep, 0, sizeof rep);
  req.method = method;
  req.path = url;
  req.body = c->body ? c->body : "";
  req.body_len = c->len;
  req.authenticated = c->authenticated;
  h->handle (h->opaque, &req, &rep);
  return send_reply (conn, rep.status ? rep.status : 500, rep.body,
                     rep.allow);
}

static void
on_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
              enum MHD_RequestTerminationCode toe)
{
  struct fg_http *h = cls;
  struct conn *c = *con_cls;

  (void) toe;
  /* The next request on a kept-alive connection has its own time. */
  set_deadline (h, conn, 1);
  if (c) {
    free (c->body);
    free (c);
    *con_cls = NULL;
  }
}

static void
on_mhd_log (void *cls, const char *fmt, va_list ap)
{
  struct fg_http *h = cls;
  char msg[512];
  size_t n;

  vsnprintf (msg, sizeof msg, fmt, ap);
  n = strlen (msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  if (h->log)
    h->log (h->opaque, 0, NULL, NULL, msg);
}

static char *
slurp (const char *path, struct fg_err *e)
{
  FILE *f = fopen (path, "re");
  char *buf;
  size_t n;

  if (f == NULL) {
    fg_err_errno (e, FG_E_INPUT, errno, "'%s'", path);
    return NULL;
  }
  buf = malloc (MAX_TLS_FILE + 1);
  n = buf ? fread (buf, 1, MAX_TLS_FILE, f) : 0;
  fclose (f);
  if (buf == NULL || n == 0) {
    free (buf);
    fg_err_set (e, FG_E_INPUT, "'%s': empty or unreadable", path);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

static int
listen_unix (struct fg_http *h, const char *path, struct fg_err *e)
{
  struct sockaddr_un sa;
  struct stat st;
  int fd;

  memset (&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s", path);
  /* A socket left by an agent that was killed: ours to replace.
   * Anything else under that name is not. */
  if (lstat (path, &st) == 0) {
    if (!S_ISSOCK (st.st_mode))
      return fg_err_set (e, FG_E_INPUT, "'%s': exists and is not a socket",
                         path);
    unlink (path);
  }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot create a socket");
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 ||
      chmod (path, 0660) < 0 || listen (fd, 128) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot listen on 'unix:%s'", path);
    close (fd);
    return -1;
  }
  h->unix_fd = fd;
  h->unix_path = strdup (path);
  snprintf (h->address, sizeof h->address, "unix:%s", path);
  return 0;
}

static void
name_address (struct fg_http *h)
{
  const union MHD_DaemonInfo *info =
    MHD_get_daemon_info (h->d, MHD_DAEMON_INFO_LISTEN_FD);
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN];

  if (info == NULL || getsockname (info->listen_fd, (struct sockaddr *) &ss,
                                   &len) < 0)
    return;
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *) &ss;
    inet_ntop (AF_INET, &in->sin_addr, host, sizeof host);
    snprintf (h->address, sizeof h->address, "%s:%u", host,
              ntohs (in->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
    inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
    snprintf (h->address, sizeof h->address, "[%s]:%u", host,
              ntohs (in6->sin6_port));
  }
}

/* A server not yet listening, or NULL when memory runs out. */
static struct fg_http *
http_new (const struct fg_agent_config *c, const char *token,
          const char *public_path, fg_http_handler handle,
          fg_http_logger log, void *opaque)
{
  struct fg_http *h = calloc (1, sizeof *h);
  pthread_condattr_t ca;

  if (h == NULL)
    return NULL;
  pthread_mutex_init (&h->lock, NULL);
  pthread_mutex_init (&h->track_lock, NULL);
  pthread_condattr_init (&ca);
  pthread_condattr_setclock (&ca, CLOCK_MONOTONIC);
  pthread_cond_init (&h->track_cond, &ca);
  pthread_condattr_destroy (&ca);
  h->header_timeout = c->header_timeout ? c->header_timeout : 10;
  h->unix_fd = -1;
  snprintf (h->token, sizeof h->token, "%s", token);
  h->public_path = public_path ? strdup (public_path) : NULL;
  h->body_limit = c->body_limit;
  h->handle = handle;
  h->log = log;
  h->opaque = opaque;
  return h;
}

/* libmicrohttpd's options for C into OPTS (room for 16), the socket
 * opened and the TLS files read; its flags added to *FLAGS.  0, or -1
 * with E set. */
static int
daemon_options (struct fg_http *h, const struct fg_agent_config *c,
                struct MHD_OptionItem *opts, unsigned *flags,
                struct fg_err *e)
{
  size_t n = 0;

#define OPT(o, v, p) \
  opts[n++] = (struct MHD_OptionItem) { (o), (intptr_t) (v), (p) }
  /* The logger first, or MHD warns that earlier options log elsewhere. */
  OPT (MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h);
  OPT (MHD_OPTION_NOTIFY_COMPLETED, on_completed, h);
  OPT (MHD_OPTION_NOTIFY_CONNECTION, on_connection, h);
  OPT (MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS, NULL);
  OPT (MHD_OPTION_CONNECTION_LIMIT, c->max_connections ? c->max_connections
       : 512, NULL);
  /* Unix sockets have no address: libmicrohttpd lets them through. */
  if (c->max_connections_per_ip)
    OPT (MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->max_connections_per_ip,
         NULL);
  OPT (MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S, NULL);
  OPT (MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL);
  if (c->unix_path) {
    if (listen_unix (h, c->unix_path, e) < 0)
      return -1;
    OPT (MHD_OPTION_LISTEN_SOCKET, h->unix_fd, NULL);
  } else {
    OPT (MHD_OPTION_SOCK_ADDR, 0, (void *) &c->addr);
    if (c->addr.ss_family == AF_INET6)
      *flags |= MHD_USE_IPv6;
  }
  if (c->tls_cert) {
    if (!MHD_is_feature_supported (MHD_FEATURE_TLS))
      return fg_err_set (e, FG_E_UNSUPPORTED, "this libmicrohttpd has no TLS");
    if ((h->cert = slurp (c->tls_cert, e)) == NULL ||
        (h->key = slurp (c->tls_key, e)) == NULL)
      return -1;
    *flags |= MHD_USE_TLS;
    OPT (MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert);
    OPT (MHD_OPTION_HTTPS_MEM_KEY, 0, h->key);
  }
  OPT (MHD_OPTION_END, 0, NULL);
#undef OPT
  return 0;
}

struct fg_http *
fg_http_start (const struct fg_agent_config *c, const char *token,
               const char *public_path, fg_http_handler handle,
               fg_http_logger log, void *opaque, struct fg_err *e)
{
  struct fg_http *h = http_new (c, token, public_path, handle, log, opaque);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_USE_ERROR_LOG | MHD_USE_ITC;
  struct MHD_OptionItem opts[16];
  int err;

  if (h == NULL) {
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "HTTP server");
    return NULL;
  }
  if (daemon_options (h, c, opts, &flags, e) < 0)
    goto fail;
  h->d = MHD_start_daemon (flags, 0, NULL, NULL, on_request, h,
                           MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
  if (h->d == NULL) {
    fg_err_errno (e, FG_E_IO, errno ? errno : EADDRINUSE,
                  "cannot listen on '%s'", c->listen);
    fg_err_hint (e, "is another agent listening there?  Change 'listen' "
                 "in '%s'", c->path);
    goto fail;
  }
  if (h->unix_fd < 0)
    name_address (h);
  err = pthread_create (&h->sweeper, NULL, sweep, h);
  if (err != 0) {
    fg_err_errno (e, FG_E_INTERNAL, err, "cannot start the thread that "
                  "closes slow connections");
    fg_http_stop (h);
    return NULL;
  }
  h->sweeper_running = 1;
  return h;

fail:
  if (h->unix_fd >= 0)
    close (h->unix_fd);
  if (h->unix_path)
    unlink (h->unix_path);
  h->unix_fd = -1;
  fg_http_stop (h);
  return NULL;
}

const char *
fg_http_address (const struct fg_http *h)
{
  return h->address;
}

void
fg_http_set_token (struct fg_http *h, const char *token)
{
  pthread_mutex_lock (&h->lock);
  snprintf (h->token, sizeof h->token, "%s", token);
  pthread_mutex_unlock (&h->lock);
}

void
fg_http_quiesce (struct fg_http *h)
{
  int fd;

  if (h == NULL || h->d == NULL || h->quiesced)
    return;
  h->quiesced = 1;
  fd = MHD_quiesce_daemon (h->d);
  if (fd >= 0)
    close (fd);
  if (h->unix_path)
    unlink (h->unix_path);
}

void
fg_http_stop (struct fg_http *h)
{
  if (h == NULL)
    return;
  /* The daemon first: closing its connections unlinks their tracks. */
  if (h->d)
    MHD_stop_daemon (h->d);
  if (h->sweeper_running) {
    pthread_mutex_lock (&h->track_lock);
    h->sweeper_stop = 1;
    pthread_cond_signal (&h->track_cond);
    pthread_mutex_unlock (&h->track_lock);
    pthread_join (h->sweeper, NULL);
  }
  while (h->tracked) {
    struct track *t = h->tracked;
    h->tracked = t->next;
    free (t);
  }
  if (h->unix_path && !h->quiesced)
    unlink (h->unix_path);
  /* MHD closed the socket we gave it (or quiesce did). */
  pthread_mutex_destroy (&h->lock);
  pthread_mutex_destroy (&h->track_lock);
  pthread_cond_destroy (&h->track_cond);
  memset (h->token, 0, sizeof h->token);
  free (h->public_path);
  free (h->unix_path);
  free (h->cert);
  free (h->key);
  free (h);
}
