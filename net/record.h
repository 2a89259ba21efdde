/* net/record.h --- the server record (doc/server-record.schema.json),
 * validated in one place
 *
 * `fg2ng convert --server-record` (net/netplan.c) and the agent's
 * schedule (agent/schedule.c) both take a server record; this is the one
 * validator both use, so that the agent refuses up front exactly what
 * the conversion would refuse.  It decides what is wrong and where (a
 * fault: what kind, which key); each caller words it in its own voice
 * (the CLI names the file and the key, the schedule the entry).
 */
#ifndef FG_NET_RECORD_H
#define FG_NET_RECORD_H

#include <stddef.h>

#include <jansson.h>

/* One network of the record, values canonical (net/addr.h). */
struct fg_srec_net {
  int present;
  char *mac;                  /* "aa:bb:cc:dd:ee:ff" */
  char **ipv4;                /* "a.b.c.d/len" */
  size_t nipv4;
  char *gateway;
  char **ipv6;                /* "addr/len" */
  size_t nipv6;
  char *gateway6;
};

struct fg_server_record {
  char *path;                 /* where it came from, for messages */
  char *server_id, *hostname;
  struct fg_srec_net pub, priv;
  char **shared;
  size_t nshared;
  char **resolvers;
  size_t nresolvers;
};

enum fg_rec_fault_kind {
  FG_REC_NOT_OBJECT,          /* the record, or a network, is no object */
  FG_REC_UNKNOWN_KEY,
  FG_REC_NO_VERSION,
  FG_REC_BAD_VERSION,
  FG_REC_NOT_STRING,          /* server_id, hostname, mac */
  FG_REC_BAD_LENGTH,          /* a string empty or longer than max */
  FG_REC_CONTROL,             /* a string holds a control character */
  FG_REC_NOT_HOSTNAME,        /* value: the host name */
  FG_REC_BAD_LIST,            /* not a list, or the wrong size */
  FG_REC_BAD_VALUE,           /* a list item or a scalar of the wrong form */
  FG_REC_NO_NETWORK,          /* neither "public" nor "private" */
  FG_REC_NOMEM,
};

/* What a field holds, in each caller's words (the CLI says what a value
 * must be, the schedule gives an example). */
struct fg_rec_field {
  const char *name;           /* "ipv4", "gateway", "shared_ipv4" ... */
  const char *what;           /* CLI: "an IPv4 address with its prefix
                               * length (a.b.c.d/len)" */
  const char *item;           /* schedule: "an address with its prefix
                               * length, such as 203.0.113.5/24" */
  const char *list;           /* schedule, lists: "a list of 1 to 64
                               * addresses with their prefix length" */
  size_t min, max;            /* list sizes, or string lengths */
};

struct fg_rec_fault {
  enum fg_rec_fault_kind kind;
  char key[160];              /* "public.ipv4[1]", "(top)" */
  const struct fg_rec_field *field;   /* NULL for the record as a whole */
  char value[256];            /* FG_REC_NOT_HOSTNAME: the text refused */
};

/* Validate ROOT and build the record from it (every key and value;
 * unknown keys refused; the first fault found is reported).  0 with *OUT
 * set, or -1 with F filled in. */
int fg_server_record_parse (json_t *root, struct fg_server_record **out,
                            struct fg_rec_fault *f);

void fg_server_record_free (struct fg_server_record *r);

#endif
