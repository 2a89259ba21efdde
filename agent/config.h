/* agent/config.h --- the agent's configuration file, validated whole
 *
 *   { "version": 1,
 *     "listen": "127.0.0.1:8470",        (or "[::1]:8470", "unix:/run/x.sock")
 *     "token_file": "agent.token",
 *     "schedule": "schedule.json",
 *     "state": "/var/lib/fg2ng/agent.sqlite",
 *     "output_dir": "/var/lib/fg2ng/out",
 *     "max_concurrent": 2, "body_limit": 16384,
 *     "tls": { "cert": "agent.crt", "key": "agent.key" },
 *     "log": "stderr",                    (or a file, appended to)
 *     "shutdown_grace_seconds": 30, "retries": 1,
 *     "max_clock_skew_seconds": 300,
 *     "header_timeout_seconds": 10,
 *     "max_connections": 512, "max_connections_per_ip": 256 }
 *
 * doc/agent-config.schema.json documents it.  Relative paths are
 * relative to the configuration's folder.  Every problem is listed, one
 * line each, naming the file and the key; the agent does not start with
 * any.  Security rules are problems too: a token file readable by group
 * or others, a TLS key likewise, or a listen address other than loopback
 * or a Unix socket without TLS.
 */
#ifndef FG_AGENT_CONFIG_H
#define FG_AGENT_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>

#include "util/err.h"

#define FG_AGENT_TOKEN_MAX 4096

struct fg_agent_config {
  char *path;
  char *listen;               /* as written */
  char *unix_path;            /* "unix:PATH": PATH, else NULL */
  struct sockaddr_storage addr;       /* TCP: where to bind */
  socklen_t addrlen;
  int loopback;               /* 127/8, ::1 or a Unix socket */
  char *token_file, *schedule, *state, *output_dir;
  char *log;                  /* NULL: stderr */
  char *tls_cert, *tls_key;   /* both or neither */
  unsigned max_concurrent;    /* 1..64, default 2 */
  size_t body_limit;          /* bytes, default 16384 */
  unsigned shutdown_grace;    /* seconds, default 30 */
  int retries;                /* retries of a crashed conversion, default 1 */
  unsigned max_clock_skew;    /* seconds an event's time may be off, 300 */
  unsigned header_timeout;    /* seconds to send a request's headers, 10 */
  unsigned max_connections;   /* at once, default 512 */
  unsigned max_connections_per_ip;    /* default 256 (half); 0: no limit */
  size_t nproblems;
  char **problems;            /* NPROBLEMS lines */
};

/* Read and validate PATH.  Returns -1 (E set) if it cannot be read or is
 * not JSON; problems with its content go to C->problems. */
int fg_agent_config_load (const char *path, struct fg_agent_config *c,
                          struct fg_err *e);
void fg_agent_config_release (struct fg_agent_config *c);

/* Read the bearer token from PATH into BUF (trailing white space cut):
 * refuses a file that group or others may read or write, an empty or
 * oversized token, or one with white space or control characters inside.
 * Returns 0, or -1 with a sentence in WHY naming the file. */
int fg_agent_read_token (const char *path, char *buf, size_t cap,
                         char *why, size_t why_cap);

/* Compare two NUL-terminated tokens in time that depends only on the
 * length of EXPECTED, never on where they differ. */
int fg_token_equal (const char *expected, const char *given);

#endif
