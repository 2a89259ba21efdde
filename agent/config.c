/* agent/config.c --- the agent's configuration (see config.h) */
#include "agent/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/addr.h"
#include "util/problems.h"

#define MAX_CONFIG (1u << 20)

/* Where this validator's problem lines go (util/problems.h): every
 * problem is listed, no cap and no count beyond the list. */
static struct fg_problems
problems_of (struct fg_agent_config *c)
{
  return (struct fg_problems) { &c->problems, &c->nproblems, NULL, 0 };
}

#define problem(c, ...) \
  ((void) fg_problems_add (problems_of (c), __VA_ARGS__))

int
fg_token_equal (const char *expected, const char *given)
{
  size_t n = strlen (expected), m = strlen (given);
  volatile unsigned char diff = (unsigned char) (n != m);

  /* Every byte of EXPECTED is looked at whatever GIVEN holds; GIVEN is
   * read only within its length (the attacker knows that length). */
  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char) expected[i] ^
            (unsigned char) (i < m ? given[i] : 0);
  return diff == 0 && n > 0;
}

int
fg_agent_read_token (const char *path, char *buf, size_t cap, char *why,
                     size_t why_cap)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ssize_t n;
  size_t len;

  if (fd < 0) {
    snprintf (why, why_cap, "'token_file' '%s': %s", path, strerror (errno));
    return -1;
  }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    snprintf (why, why_cap, "'token_file' '%s': not a regular file", path);
    close (fd);
    return -1;
  }
  if (st.st_mode & 077) {
    snprintf (why, why_cap, "'token_file' '%s': mode %04o lets group or "
              "others read it; run 'chmod 600 %s'", path,
              (unsigned) (st.st_mode & 07777), path);
    close (fd);
    return -1;
  }
  n = read (fd, buf, cap - 1);
  close (fd);
  if (n < 0 || (size_t) n >= cap - 1) {
    snprintf (why, why_cap, "'token_file' '%s': %s", path, n < 0
              ? strerror (errno) : "too large for a token");
    return -1;
  }
  len = (size_t) n;
  while (len > 0 && strchr (" \t\r\n", buf[len - 1]))
    len--;
  buf[len] = '\0';
  if (len < 16) {
    snprintf (why, why_cap, "'token_file' '%s': the token must be at least "
              "16 characters (e.g. 'openssl rand -hex 32 > %s')", path,
              path);
    return -1;
  }
  for (size_t i = 0; i < len; i++)
    if ((unsigned char) buf[i] <= ' ' || (unsigned char) buf[i] >= 0x7f) {
      snprintf (why, why_cap, "'token_file' '%s': the token holds a space "
                "or a control character", path);
      return -1;
    }
  return 0;
}

static char *
resolve (const char *dir, const char *p)
{
  char *out = NULL;

  if (p[0] == '/')
    return strdup (p);
  return asprintf (&out, "%s/%s", dir, p) < 0 ? NULL : out;
}

/* "unix:PATH" (the part after "unix:" in SOCK), resolved against DIR. */
static int
listen_unix (struct fg_agent_config *c, const char *dir, const char *sock)
{
  const size_t max = sizeof ((struct sockaddr_un *) 0)->sun_path;

  if (sock[0] == '\0') {
    problem (c, "'%s': 'listen' 'unix:' needs a socket path", c->path);
    return -1;
  }
  c->unix_path = resolve (dir, sock);
  if (c->unix_path == NULL || strlen (c->unix_path) >= max) {
    problem (c, "'%s': 'listen' socket path is longer than %zu bytes",
             c->path, max - 1);
    return -1;
  }
  c->loopback = 1;
  return 0;
}

/* HOST (the text inside brackets for IPv6) and PORT of L, which is
 * "[V6]:PORT" or "V4:PORT"; "localhost" becomes 127.0.0.1. */
static int
listen_split (struct fg_agent_config *c, const char *l, char *host,
              size_t cap, long *port)
{
  const char *colon = strrchr (l, ':'), *h = l;
  size_t hlen;
  char *end;

  if (colon == NULL) {
    problem (c, "'%s': 'listen' must be HOST:PORT, [IPV6]:PORT or "
             "unix:PATH, not '%s'", c->path, l);
    return -1;
  }
  hlen = (size_t) (colon - l);
  if (l[0] == '[') {
    if (hlen < 2 || l[hlen - 1] != ']') {
      problem (c, "'%s': 'listen' '%s': an IPv6 address goes in brackets, "
               "such as [::1]:8470", c->path, l);
      return -1;
    }
    h = l + 1;
    hlen -= 2;
  }
  if (hlen == 0 || hlen >= cap) {
    problem (c, "'%s': 'listen' '%s' has no host (write 127.0.0.1:PORT)",
             c->path, l);
    return -1;
  }
  memcpy (host, h, hlen);
  host[hlen] = '\0';
  errno = 0;
  *port = strtol (colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || *port < 0 || *port > 65535) {
    problem (c, "'%s': 'listen' '%s': the port must be 0 to 65535",
             c->path, l);
    return -1;
  }
  if (strcmp (host, "localhost") == 0)
    snprintf (host, cap, "127.0.0.1");
  return 0;
}

/* LISTEN is "unix:PATH", "[V6]:PORT" or "V4:PORT" ("localhost" is
 * 127.0.0.1).  Port 0 asks for any free port (the "listening" log line
 * says which). */
static int
parse_listen (struct fg_agent_config *c, const char *dir, const char *l)
{
  char host[INET6_ADDRSTRLEN + 1];
  struct fg_ip ip;
  long port;
  int v6 = l[0] == '[';

  if (strncmp (l, "unix:", 5) == 0)
    return listen_unix (c, dir, l + 5);
  if (listen_split (c, l, host, sizeof host, &port) < 0)
    return -1;
  memset (&c->addr, 0, sizeof c->addr);
  if (fg_ip_parse (host, v6 ? 6 : 4, &ip) < 0) {
    if (v6)
      problem (c, "'%s': 'listen' '%s': '%s' is not an IPv6 address",
               c->path, l, host);
    else
      problem (c, "'%s': 'listen' '%s': '%s' is not an IPv4 address (write "
               "[ADDRESS]:PORT for IPv6; host names are not looked up)",
               c->path, l, host);
    return -1;
  }
  if (!v6) {
    struct sockaddr_in *in = (struct sockaddr_in *) &c->addr;
    memcpy (&in->sin_addr, ip.b, 4);
    in->sin_family = AF_INET;
    in->sin_port = htons ((uint16_t) port);
    c->addrlen = sizeof *in;
    c->loopback = ip.b[0] == 127;
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &c->addr;
    memcpy (&in6->sin6_addr, ip.b, 16);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons ((uint16_t) port);
    c->addrlen = sizeof *in6;
    c->loopback = IN6_IS_ADDR_LOOPBACK (&in6->sin6_addr);
  }
  return 0;
}

static const char *const keys[] = {
  "version", "listen", "token_file", "schedule", "state", "output_dir",
  "max_concurrent", "body_limit", "tls", "log", "shutdown_grace_seconds",
  "retries", "max_clock_skew_seconds", "header_timeout_seconds",
  "max_connections", "max_connections_per_ip",
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* A path member, resolved; NULL (and a problem if REQUIRED) if absent. */
static char *
get_path (struct fg_agent_config *c, json_t *o, const char *dir,
          const char *key, const char *where, int required)
{
  json_t *v = json_object_get (o, key);
  char *p;

  if (v == NULL) {
    if (required)
      problem (c, "'%s': missing '%s%s'", c->path, where, key);
    return NULL;
  }
  if (!json_is_string (v) || json_string_length (v) == 0 ||
      strlen (json_string_value (v)) != json_string_length (v)) {
    problem (c, "'%s': '%s%s' must be a non-empty string (a path)", c->path,
             where, key);
    return NULL;
  }
  p = resolve (dir, json_string_value (v));
  if (p == NULL)
    problem (c, "'%s': out of memory", c->path);
  return p;
}

static long long
get_uint (struct fg_agent_config *c, json_t *o, const char *key,
          long long min, long long max, long long dflt)
{
  json_t *v = json_object_get (o, key);

  if (v == NULL)
    return dflt;
  if (!json_is_integer (v) || json_integer_value (v) < min ||
      json_integer_value (v) > max) {
    problem (c, "'%s': '%s' must be a whole number from %lld to %lld",
             c->path, key, min, max);
    return dflt;
  }
  return json_integer_value (v);
}

static void
check_dir (struct fg_agent_config *c, const char *key, const char *path,
           int of_file)
{
  char *copy = strdup (path);
  const char *dir;
  struct stat st;

  if (copy == NULL)
    return;
  dir = of_file ? dirname (copy) : copy;
  if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
    problem (c, "'%s': '%s' '%s': %s'%s' does not exist or is not a folder",
             c->path, key, path, of_file ? "its folder " : "", dir);
  else if (access (dir, W_OK | X_OK) < 0)
    problem (c, "'%s': '%s' '%s': cannot write in '%s' (%s)", c->path, key,
             path, dir, strerror (errno));
  free (copy);
}

static void
check_secret_file (struct fg_agent_config *c, const char *key,
                   const char *path, int secret)
{
  struct stat st;

  if (stat (path, &st) < 0 || access (path, R_OK) < 0)
    problem (c, "'%s': '%s' '%s': %s", c->path, key, path, strerror (errno));
  else if (!S_ISREG (st.st_mode))
    problem (c, "'%s': '%s' '%s': not a regular file", c->path, key, path);
  else if (secret && (st.st_mode & 077))
    problem (c, "'%s': '%s' '%s': mode %04o lets group or others read it; "
             "run 'chmod 600 %s'", c->path, key, path,
             (unsigned) (st.st_mode & 07777), path);
}

/* The members every configuration may have, and "version" 1. */
static void
check_keys (struct fg_agent_config *c, json_t *root)
{
  const char *key;
  json_t *v;

  json_object_foreach (root, key, v) {
    size_t k;
    for (k = 0; k < NKEYS && strcmp (key, keys[k]) != 0; k++)
      ;
    if (k == NKEYS)
      problem (c, "'%s': unknown key '%s'", c->path, key);
  }
  v = json_object_get (root, "version");
  if (v && (!json_is_integer (v) || json_integer_value (v) != 1))
    problem (c, "'%s': 'version' must be 1", c->path);
}

/* "listen", and the files and folders named relative to DIR. */
static void
read_places (struct fg_agent_config *c, json_t *root, const char *dir)
{
  json_t *v = json_object_get (root, "listen");

  if (v == NULL)
    c->listen = strdup ("127.0.0.1:8470");
  else if (json_is_string (v))
    c->listen = strdup (json_string_value (v));
  else
    problem (c, "'%s': 'listen' must be a string such as \"127.0.0.1:8470\"",
             c->path);
  if (c->listen)
    parse_listen (c, dir, c->listen);

  c->token_file = get_path (c, root, dir, "token_file", "", 1);
  c->schedule = get_path (c, root, dir, "schedule", "", 1);
  c->state = get_path (c, root, dir, "state", "", 1);
  c->output_dir = get_path (c, root, dir, "output_dir", "", 1);
  v = json_object_get (root, "log");
  if (v && json_is_string (v) && strcmp (json_string_value (v), "stderr")
      == 0)
    c->log = NULL;
  else
    c->log = get_path (c, root, dir, "log", "", 0);
}

static void
read_limits (struct fg_agent_config *c, json_t *root)
{
  c->max_concurrent = (unsigned) get_uint (c, root, "max_concurrent", 1, 64,
                                           2);
  c->body_limit = (size_t) get_uint (c, root, "body_limit", 256, 1 << 20,
                                     16384);
  c->shutdown_grace = (unsigned) get_uint (c, root, "shutdown_grace_seconds",
                                           0, 86400, 30);
  c->retries = (int) get_uint (c, root, "retries", 0, 100, 1);
  c->max_clock_skew = (unsigned) get_uint (c, root, "max_clock_skew_seconds",
                                           1, 86400, 300);
  c->header_timeout = (unsigned) get_uint (c, root, "header_timeout_seconds",
                                           1, 300, 10);
  /* Connections: a slow or idle one holds a slot until the header timeout
   * (or the idle timeout) ends it.  One address may hold at most half the
   * slots by default, so that neither a single hostile address nor a
   * single busy one (the control panel, or a proxy in front of us) can be
   * shut out by the other. */
  c->max_connections = (unsigned) get_uint (c, root, "max_connections", 8,
                                            4096, 512);
  c->max_connections_per_ip =
    (unsigned) get_uint (c, root, "max_connections_per_ip", 0,
                         c->max_connections, c->max_connections / 2);
}

/* "tls": {cert, key}, required to listen beyond loopback. */
static void
read_tls (struct fg_agent_config *c, json_t *root, const char *dir)
{
  json_t *tls = json_object_get (root, "tls"), *v;
  const char *key;

  if (tls && !json_is_null (tls)) {
    if (!json_is_object (tls))
      problem (c, "'%s': 'tls' must be an object with 'cert' and 'key'",
               c->path);
    else {
      json_object_foreach (tls, key, v)
        if (strcmp (key, "cert") && strcmp (key, "key"))
          problem (c, "'%s': unknown key 'tls.%s'", c->path, key);
      c->tls_cert = get_path (c, tls, dir, "cert", "tls.", 1);
      c->tls_key = get_path (c, tls, dir, "key", "tls.", 1);
    }
  }
  if (c->listen && c->addrlen && !c->loopback && c->tls_cert == NULL)
    problem (c, "'%s': 'listen' '%s' is not a loopback address: a 'tls' "
             "certificate and key are required to listen there (or listen "
             "on 127.0.0.1 or a unix: socket behind a TLS proxy)", c->path,
             c->listen);
}

/* The files and folders named: there, readable or writable, secrets
 * kept from group and others. */
static void
check_files (struct fg_agent_config *c)
{
  char token[FG_AGENT_TOKEN_MAX], why[PATH_MAX + 200];

  if (c->token_file &&
      fg_agent_read_token (c->token_file, token, sizeof token, why,
                           sizeof why) < 0)
    problem (c, "'%s': %s", c->path, why);
  memset (token, 0, sizeof token);
  if (c->schedule)
    check_secret_file (c, "schedule", c->schedule, 0);
  if (c->tls_cert)
    check_secret_file (c, "tls.cert", c->tls_cert, 0);
  if (c->tls_key)
    check_secret_file (c, "tls.key", c->tls_key, 1);
  if (c->state)
    check_dir (c, "state", c->state, 1);
  if (c->output_dir)
    check_dir (c, "output_dir", c->output_dir, 0);
  if (c->log)
    check_dir (c, "log", c->log, 1);
  if (c->unix_path)
    check_dir (c, "listen", c->unix_path, 1);
}

int
fg_agent_config_load (const char *path, struct fg_agent_config *c,
                      struct fg_err *e)
{
  json_error_t jerr;
  json_t *root;
  char *real, *dir;

  memset (c, 0, sizeof *c);
  c->path = strdup (path);
  root = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    if (jerr.line < 0 || access (path, R_OK) < 0)
      fg_err_errno (e, FG_E_INPUT, errno, "'%s'", path);
    else
      fg_err_set (e, FG_E_INPUT, "'%s': line %d column %d: %s", path,
                  jerr.line, jerr.column, jerr.text);
    fg_err_hint (e, "the configuration is JSON, described by "
                 "doc/agent-config.schema.json (examples/agent/agent.json)");
    return -1;
  }
  real = realpath (path, NULL);
  dir = real ? dirname (real) : ".";
  if (!json_is_object (root))
    problem (c, "'%s': must be a JSON object", path);
  else {
    check_keys (c, root);
    read_places (c, root, dir);
    read_limits (c, root);
    read_tls (c, root, dir);
    check_files (c);
  }
  json_decref (root);
  free (real);
  return 0;
}

void
fg_agent_config_release (struct fg_agent_config *c)
{
  if (c == NULL)
    return;
  free (c->path);
  free (c->listen);
  free (c->unix_path);
  free (c->token_file);
  free (c->schedule);
  free (c->state);
  free (c->output_dir);
  free (c->log);
  free (c->tls_cert);
  free (c->tls_key);
  fg_problems_free (c->problems, c->nproblems);
  memset (c, 0, sizeof *c);
}
