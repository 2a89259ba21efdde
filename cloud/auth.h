/* cloud/auth.h --- credentials, a token, and where the services are
 *
 * Where credentials come from, first match wins:
 *   1. a cloud named by the caller (--os-cloud NAME) in clouds.yaml;
 *   2. ST_AUTH, ST_USER and ST_KEY (Swift v1 auth: TempAuth and the
 *      like), preferred over OS_* when both are set, as python-swiftclient
 *      does;
 *   3. OS_CLOUD: a cloud in clouds.yaml;
 *   4. OS_AUTH_URL with OS_* (Keystone v3: password, or an application
 *      credential when OS_APPLICATION_CREDENTIAL_ID or _NAME is set).
 * clouds.yaml is OS_CLIENT_CONFIG_FILE when set, else the first of
 * ./clouds.yaml, ~/.config/openstack/clouds.yaml,
 * /etc/openstack/clouds.yaml (secure.yaml is not read).  A cloud's own
 * settings are used as they are: OS_* variables are not merged into it.
 * OS_STORAGE_URL, when set, replaces the object-store endpoint (as
 * swift --os-storage-url does).
 *
 * A session (struct fg_auth) logs in, keeps the token and the endpoints
 * of the catalog (object-store, image) for the region and interface
 * (public by default), and logs in again on fg_auth_renew, which callers
 * use when a request answers 401.  Secrets (password, key, application
 * credential secret, token) live only in these structs and are wiped
 * when they are freed; they are never put in a message.
 */
#ifndef FG_CLOUD_AUTH_H
#define FG_CLOUD_AUTH_H

#include "cloud/http.h"
#include "util/err.h"

enum fg_auth_kind {
  FG_AUTH_NONE = 0,
  FG_AUTH_PASSWORD,             /* Keystone v3, password */
  FG_AUTH_APPCRED,              /* Keystone v3, application credential */
  FG_AUTH_SWIFT_V1,             /* ST_AUTH: X-Auth-User / X-Auth-Key */
};

struct fg_creds {
  enum fg_auth_kind kind;
  char *auth_url;               /* Keystone's, or the v1 auth URL */
  char *username, *user_id, *password;
  char *user_domain_name, *user_domain_id;
  char *project_name, *project_id;
  char *project_domain_name, *project_domain_id;
  char *appcred_id, *appcred_name, *appcred_secret;
  char *region, *interface;     /* interface: "public" when not given */
  char *storage_url;            /* OS_STORAGE_URL: overrides the catalog */
  char *cacert;
  int insecure;
  char from[512];               /* where they came from, for messages */
};

/* Find the credentials as the comment above says.  CLOUD is --os-cloud
 * (or NULL); ENVP is an environment ("NAME=value" strings,
 * NULL-terminated), NULL for the process's own.  0, or -1 with E set
 * (FG_E_USAGE when nothing or too little is given). */
int fg_creds_load (struct fg_creds *c, const char *cloud, char *const *envp,
                   struct fg_err *e);

/* The cloud NAME of the clouds.yaml at PATH into C (parsed with libyaml).
 * 0; 1 when PATH does not exist; -1 with E set. */
int fg_creds_from_clouds_yaml (struct fg_creds *c, const char *path,
                               const char *name, struct fg_err *e);

/* Wipe and free what C holds. */
void fg_creds_free (struct fg_creds *c);

const char *fg_auth_kind_name (enum fg_auth_kind k);

struct fg_auth;

/* A session over C (taken: C is emptied) with an HTTP client made from
 * HOPTS (insecure and cacert come from C when HOPTS leaves them unset).
 * Does not log in yet. */
struct fg_auth *fg_auth_new (struct fg_creds *c, const struct fg_http_opts *hopts,
                             struct fg_err *e);
void fg_auth_free (struct fg_auth *a);

/* Log in: a token and the endpoints.  0, or -1 with E set (FG_E_INPUT
 * when the credentials are refused). */
int fg_auth_login (struct fg_auth *a, struct fg_err *e);

/* Log in again (the token expired or was revoked: a request said 401). */
int fg_auth_renew (struct fg_auth *a, struct fg_err *e);

/* The session's HTTP client, token (NULL before login), endpoints (NULL
 * when the catalog has none), and how many times it renewed. */
struct fg_http *fg_auth_http (struct fg_auth *a);
const char *fg_auth_token (const struct fg_auth *a);
const char *fg_auth_storage_url (const struct fg_auth *a);
const char *fg_auth_image_url (const struct fg_auth *a);
const struct fg_creds *fg_auth_creds (const struct fg_auth *a);
unsigned fg_auth_renewals (const struct fg_auth *a);

/* "X-Auth-Token: TOKEN" in BUF (CAP bytes); BUF the caller wipes. */
int fg_auth_header (const struct fg_auth *a, char *buf, size_t cap,
                    struct fg_err *e);

/* ---- pure helpers, tested alone ---------------------------------- */

/* The endpoint of TYPE in a Keystone v3 token document (JSON text) for
 * REGION (NULL: any) and INTERFACE (NULL: public), trailing '/' cut;
 * malloc'd, or NULL when the catalog has none. */
char *fg_auth_catalog_endpoint (const char *token_json, const char *type,
                                const char *region, const char *interface);

/* The JSON body of POST /v3/auth/tokens for C; malloc'd, the caller
 * frees it with fg_http_free_secret.  NULL with E set. */
char *fg_auth_keystone_body (const struct fg_creds *c, struct fg_err *e);

#endif
