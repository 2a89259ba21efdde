/* source/swiftparts.c --- first-gen parts read straight from Swift */
#include "source/swiftparts.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cloud/auth.h"
#include "cloud/swift.h"

#define SCHEME "swift://"

static const char *cfg_cloud;
static int cfg_insecure;

static const char cred_hint[] =
  "set OS_AUTH_URL and the other OS_* variables (source your openrc), or "
  "name a cloud of clouds.yaml with --os-cloud NAME";

int
fg_swift_parts_is_url (const char *source)
{
  return strncmp (source, SCHEME, strlen (SCHEME)) == 0;
}

void
fg_swift_parts_config (const char *os_cloud, int insecure)
{
  static int warned;

  cfg_cloud = os_cloud;
  cfg_insecure = insecure;
  if (insecure && !warned) {
    warned = 1;
    fprintf (stderr, "fg2ng: warning: --insecure: the cloud's TLS "
             "certificates are not verified\n");
  }
}

struct swctx {
  struct fg_auth *a;
  char *container;
};

static void
swift_release (void *ctx)
{
  struct swctx *s = ctx;
  if (s == NULL)
    return;
  fg_auth_free (s->a);
  free (s->container);
  free (s);
}

/* One part being read: a GET in a thread, writing into a socket pair. */
struct swpart {
  struct swctx *s;
  const char *url;              /* swift://CONTAINER/OBJECT */
  const char *object;
  int fd[2];                    /* [0] the reader's, [1] the thread's */
  pthread_t th;
  int joined;
  int rc;                       /* the GET's, once joined */
  struct fg_err err;
};

static int
to_socket (void *opaque, const void *buf, size_t n, struct fg_err *e)
{
  struct swpart *p = opaque;
  const char *b = buf;

  while (n > 0) {
    ssize_t w = send (p->fd[1], b, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return fg_err_errno (e, FG_E_IO, errno, "reading '%s' stopped",
                           p->url);
    }
    b += w;
    n -= (size_t) w;
  }
  return 0;
}

static void *
get_thread (void *arg)
{
  struct swpart *p = arg;
  struct fg_swift_get_result res;

  p->rc = fg_swift_get (p->s->a, p->s->container, p->object, to_socket, p,
                        NULL, &res, &p->err);
  shutdown (p->fd[1], SHUT_WR);         /* the reader sees the end */
  return NULL;
}

static void
join_part (struct swpart *p)
{
  if (!p->joined) {
    pthread_join (p->th, NULL);
    p->joined = 1;
  }
}

static int
swift_open (const struct fg_parts *parts, size_t i, void **h,
            struct fg_err *e)
{
  struct swpart *p = calloc (1, sizeof *p);
  const char *url = parts->part[i].path;
  int rc;

  if (p == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "parts reader");
  p->s = parts->ctx;
  p->url = url;
  p->object = url + strlen (SCHEME) + strlen (p->s->container) + 1;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->fd) < 0) {
    rc = errno;
    free (p);
    return fg_err_errno (e, FG_E_IO, rc, "reading '%s'", url);
  }
  if ((rc = pthread_create (&p->th, NULL, get_thread, p)) != 0) {
    close (p->fd[0]);
    close (p->fd[1]);
    free (p);
    return fg_err_errno (e, FG_E_IO, rc, "reading '%s'", url);
  }
  *h = p;
  return 0;
}

static ssize_t
swift_read (void *h, void *buf, size_t cap, uint64_t at, struct fg_err *e)
{
  struct swpart *p = h;
  ssize_t n;

  while ((n = read (p->fd[0], buf, cap)) < 0 && errno == EINTR)
    ;
  if (n < 0)
    return fg_err_errno (e, FG_E_IO, errno, "reading '%s' at offset %llu",
                         p->url, (unsigned long long) at);
  if (n > 0)
    return n;
  /* The end: the GET is over; it says whether the object was whole. */
  join_part (p);
  if (p->rc < 0) {
    *e = p->err;
    fg_err_prefix (e, "%s", p->url);
    if (e->kind == FG_E_IO)
      fg_err_hint (e, "the network or Swift failed after retries: run the "
                   "command again");
    else if (e->hint[0] == '\0')
      fg_err_hint (e, "the part is missing or damaged in Swift (Swift "
                   "quarantines an object whose bytes do not match its "
                   "ETag): upload it again");
    return -1;
  }
  return 0;
}

static void
swift_close (void *h)
{
  struct swpart *p = h;

  /* An early close: the thread's next send fails (EPIPE) and the GET
   * stops. */
  shutdown (p->fd[0], SHUT_RDWR);
  close (p->fd[0]);
  join_part (p);
  close (p->fd[1]);
  free (p);
}

static const struct fg_parts_ops swift_ops = {
  swift_open, swift_read, swift_close, swift_release,
};

static int
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcmp (s + n - m, suffix) == 0;
}

/* Credentials, a session, a login: 0 or -1 with E set and hinted. */
static int
login (struct swctx *s, struct fg_err *e)
{
  struct fg_creds c;
  struct fg_http_opts ho = { 0 };

  ho.insecure = cfg_insecure;
  memset (&c, 0, sizeof c);
  if (fg_creds_load (&c, cfg_cloud, NULL, e) < 0) {
    fg_creds_free (&c);
    fg_err_hint (e, "%s", cred_hint);
    return -1;
  }
  s->a = fg_auth_new (&c, &ho, e);
  fg_creds_free (&c);
  if (s->a == NULL)
    return -1;
  if (fg_auth_login (s->a, e) < 0) {
    if (e->kind != FG_E_IO)
      fg_err_hint (e, "%s", cred_hint);
    return -1;
  }
  return 0;
}

static int
find (const char *url, struct fg_parts *parts, struct swctx *s,
      struct fg_err *e)
{
  const char *rest = url + strlen (SCHEME);
  const char *slash = strchr (rest, '/');
  char *prefix = NULL, *listing = NULL, where[1024], hint[FG_ERR_HINT_MAX];
  const char *obj;
  struct fg_swift_obj *objs = NULL;
  size_t nobjs = 0, cap = 0, plen;
  unsigned index;
  int rc = -1;

  if (slash == NULL || slash == rest || slash[1] == '\0') {
    fg_err_set (e, FG_E_USAGE, "'%s' names no object", url);
    fg_err_hint (e, "name the first part: swift://CONTAINER/NAME.tar.gz.0");
    return -1;
  }
  s->container = strndup (rest, (size_t) (slash - rest));
  obj = slash + 1;
  if ((plen = fg_parts_split_name (obj, &index)) > 0)
    prefix = strndup (obj, plen);
  else if (ends_with (obj, ".tar.gz") || ends_with (obj, ".tgz"))
    prefix = strdup (obj);
  else if (asprintf (&prefix, "%s.tar.gz", obj) < 0)
    prefix = NULL;
  if (s->container == NULL || prefix == NULL
      || asprintf (&listing, "%s.", prefix) < 0) {
    listing = NULL;
    fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
    goto out;
  }
  plen = strlen (prefix);
  if (login (s, e) < 0)
    goto out;
  if (fg_swift_list (s->a, s->container, listing, 0, &objs, &nobjs, NULL,
                     e) < 0) {
    if (e->kind != FG_E_IO)
      fg_err_hint (e, "check the container's name, and that the "
                   "credentials (OS_* or --os-cloud) are the project "
                   "that holds it");
    goto out;
  }
  parts->name = strdup (prefix);
  for (size_t i = 0; i < nobjs; i++) {
    char *path;
    if (fg_parts_split_name (objs[i].name, &index) != plen
        || strncmp (objs[i].name, prefix, plen) != 0)
      continue;
    if (asprintf (&path, SCHEME "%s/%s", s->container, objs[i].name) < 0) {
      fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "part list");
      goto out;
    }
    if (fg_parts_add (parts, &cap, path, index, objs[i].bytes, e) < 0)
      goto out;
  }
  snprintf (where, sizeof where, SCHEME "%s", s->container);
  snprintf (hint, sizeof hint, "upload every part of the image to "
            "container '%s'", s->container);
  rc = fg_parts_check (parts, prefix, where, hint, e);
out:
  fg_swift_objs_free (objs, nobjs);
  free (prefix);
  free (listing);
  return rc;
}

int
fg_swift_parts_find (const char *url, struct fg_parts *parts,
                     struct fg_err *e)
{
  struct swctx *s = calloc (1, sizeof *s);

  memset (parts, 0, sizeof *parts);
  if (s == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "source name");
  parts->ops = &swift_ops;
  parts->ctx = s;
  if (find (url, parts, s, e) < 0) {
    if (strncmp (e->msg, url, strlen (url)) != 0)
      fg_err_prefix (e, "%s", url);
    if (e->kind == FG_E_IO && e->hint[0] == '\0')
      fg_err_hint (e, "the network, Keystone or Swift failed after "
                   "retries: check the endpoints (OS_AUTH_URL, "
                   "OS_STORAGE_URL) and run the command again");
    fg_parts_release (parts);
    return -1;
  }
  return 0;
}
