/* cloud/auth.c --- Keystone v3 (password, application credential) and
 * Swift v1 auth; credentials from OS_*, ST_* or clouds.yaml */
#include "cloud/auth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

extern char **environ;

struct fg_auth {
  struct fg_creds c;
  struct fg_http *http;
  char *token;
  char *storage_url, *image_url;
  unsigned renewals;
};

/* ---- the credentials ----------------------------------------------- */

static const char *
env_get (char *const *envp, const char *name)
{
  size_t nl = strlen (name);
  if (envp == NULL)
    envp = environ;
  for (size_t i = 0; envp[i] != NULL; i++)
    if (strncmp (envp[i], name, nl) == 0 && envp[i][nl] == '=')
      return envp[i][nl + 1] != '\0' ? envp[i] + nl + 1 : NULL;
  return NULL;
}

/* *DST = a copy of SRC (NULL stays NULL); -1 with E on ENOMEM. */
static int
set_str (char **dst, const char *src, struct fg_err *e)
{
  char *n = NULL;
  if (src != NULL && (n = strdup (src)) == NULL)
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading credentials");
  fg_http_free_secret (*dst);
  *dst = n;
  return 0;
}

static int
truthy (const char *v)
{
  return v != NULL && (strcasecmp (v, "1") == 0 || strcasecmp (v, "true") == 0
                       || strcasecmp (v, "yes") == 0 || strcasecmp (v, "on") == 0);
}

static int
falsy (const char *v)
{
  return v != NULL && (strcasecmp (v, "0") == 0 || strcasecmp (v, "false") == 0
                       || strcasecmp (v, "no") == 0 || strcasecmp (v, "off") == 0);
}

void
fg_creds_free (struct fg_creds *c)
{
  char **all[] = {
    &c->auth_url, &c->username, &c->user_id, &c->password,
    &c->user_domain_name, &c->user_domain_id, &c->project_name,
    &c->project_id, &c->project_domain_name, &c->project_domain_id,
    &c->appcred_id, &c->appcred_name, &c->appcred_secret, &c->region,
    &c->interface, &c->storage_url, &c->cacert,
  };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    fg_http_free_secret (*all[i]);
  fg_http_wipe (c, sizeof *c);
  memset (c, 0, sizeof *c);
}

const char *
fg_auth_kind_name (enum fg_auth_kind k)
{
  switch (k) {
  case FG_AUTH_PASSWORD: return "password";
  case FG_AUTH_APPCRED: return "application credential";
  case FG_AUTH_SWIFT_V1: return "swift v1";
  case FG_AUTH_NONE: break;
  }
  return "none";
}

/* An auth_type (OS_AUTH_TYPE, clouds.yaml's auth_type) to a kind; NONE
 * for NULL; -1 for one fg2ng does not speak. */
static int
kind_of_type (const char *t)
{
  if (t == NULL)
    return FG_AUTH_NONE;
  if (strcmp (t, "password") == 0 || strcmp (t, "v3password") == 0)
    return FG_AUTH_PASSWORD;
  if (strcmp (t, "v3applicationcredential") == 0
      || strcmp (t, "applicationcredential") == 0
      || strcmp (t, "application_credential") == 0)
    return FG_AUTH_APPCRED;
  return -1;
}

/* Fill in what is implied and refuse what is missing. */
static int
complete (struct fg_creds *c, const char *auth_type, struct fg_err *e)
{
  int k = kind_of_type (auth_type);

  if (k < 0) {
    fg_err_set (e, FG_E_UNSUPPORTED, "auth type '%s' (from %s) is not supported",
                auth_type, c->from);
    fg_err_hint (e, "use password or v3applicationcredential, or Swift's ST_AUTH");
    return -1;
  }
  if (c->kind != FG_AUTH_SWIFT_V1)
    c->kind = k != FG_AUTH_NONE ? (enum fg_auth_kind) k
              : c->appcred_id != NULL || c->appcred_name != NULL ? FG_AUTH_APPCRED
              : FG_AUTH_PASSWORD;
  if (c->interface == NULL && set_str (&c->interface, "public", e) < 0)
    return -1;
  if (c->auth_url == NULL) {
    fg_err_set (e, FG_E_USAGE, "no auth URL in %s", c->from);
    return -1;
  }
  switch (c->kind) {
  case FG_AUTH_SWIFT_V1:
    if (c->username == NULL || c->password == NULL) {
      fg_err_set (e, FG_E_USAGE, "ST_AUTH is set but not ST_USER and ST_KEY");
      return -1;
    }
    break;
  case FG_AUTH_PASSWORD:
    if ((c->username == NULL && c->user_id == NULL) || c->password == NULL) {
      fg_err_set (e, FG_E_USAGE, "no user name or password in %s", c->from);
      return -1;
    }
    /* a name needs its domain: "Default", as most RC files say */
    if (c->username != NULL && c->user_domain_name == NULL && c->user_domain_id == NULL
        && set_str (&c->user_domain_name, "Default", e) < 0)
      return -1;
    if (c->project_name != NULL && c->project_domain_name == NULL
        && c->project_domain_id == NULL
        && set_str (&c->project_domain_name, "Default", e) < 0)
      return -1;
    break;
  case FG_AUTH_APPCRED:
    if (c->appcred_secret == NULL
        || (c->appcred_id == NULL
            && (c->appcred_name == NULL || (c->username == NULL && c->user_id == NULL)))) {
      fg_err_set (e, FG_E_USAGE, "incomplete application credential in %s", c->from);
      fg_err_hint (e, "give its id and secret, or its name, secret and user");
      return -1;
    }
    if (c->appcred_id == NULL && c->username != NULL && c->user_domain_name == NULL
        && c->user_domain_id == NULL && set_str (&c->user_domain_name, "Default", e) < 0)
      return -1;
    break;
  case FG_AUTH_NONE:
    break;
  }
  return 0;
}

/* ---- clouds.yaml --------------------------------------------------- */

static yaml_node_t *
map_get (yaml_document_t *d, yaml_node_t *m, const char *key)
{
  if (m == NULL || m->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node (d, p->key);
    if (k != NULL && k->type == YAML_SCALAR_NODE
        && strlen (key) == k->data.scalar.length
        && memcmp (k->data.scalar.value, key, k->data.scalar.length) == 0)
      return yaml_document_get_node (d, p->value);
  }
  return NULL;
}

static const char *
scalar (yaml_node_t *n)
{
  return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *) n->data.scalar.value : NULL;
}

int
fg_creds_from_clouds_yaml (struct fg_creds *c, const char *path,
                           const char *name, struct fg_err *e)
{
  yaml_parser_t p;
  yaml_document_t d;
  FILE *f;
  int ret = -1;

  f = fopen (path, "r");
  if (f == NULL) {
    if (errno == ENOENT)
      return 1;
    return fg_err_errno (e, FG_E_INPUT, errno, "cannot open '%s'", path);
  }
  if (!yaml_parser_initialize (&p)) {
    fclose (f);
    return fg_err_errno (e, FG_E_IO, ENOMEM, "reading '%s'", path);
  }
  yaml_parser_set_input_file (&p, f);
  if (!yaml_parser_load (&p, &d)) {
    fg_err_set (e, FG_E_INPUT, "'%s' is not YAML: %s at line %zu", path,
                p.problem ? p.problem : "error", p.problem_mark.line + 1);
    yaml_parser_delete (&p);
    fclose (f);
    return -1;
  }
  yaml_node_t *root = yaml_document_get_root_node (&d);
  yaml_node_t *cloud = map_get (&d, map_get (&d, root, "clouds"), name);
  if (cloud == NULL || cloud->type != YAML_MAPPING_NODE) {
    fg_err_set (e, FG_E_USAGE, "no cloud '%s' in '%s'", name, path);
    goto out;
  }
  snprintf (c->from, sizeof c->from, "cloud '%s' of '%s'", name, path);
  yaml_node_t *auth = map_get (&d, cloud, "auth");
  static const struct { const char *key; size_t off; } keys[] = {
#define K(k, f) { k, offsetof (struct fg_creds, f) }
    K ("auth_url", auth_url), K ("username", username), K ("user_id", user_id),
    K ("password", password), K ("user_domain_name", user_domain_name),
    K ("user_domain_id", user_domain_id), K ("project_name", project_name),
    K ("tenant_name", project_name), K ("project_id", project_id),
    K ("tenant_id", project_id),
    K ("project_domain_name", project_domain_name),
    K ("project_domain_id", project_domain_id),
    K ("application_credential_id", appcred_id),
    K ("application_credential_name", appcred_name),
    K ("application_credential_secret", appcred_secret),
#undef K
  };
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *v = scalar (map_get (&d, auth, keys[i].key));
    if (v != NULL && set_str ((char **) ((char *) c + keys[i].off), v, e) < 0)
      goto out;
  }
  /* a domain for both, as openstacksdk reads "domain_name" */
  const char *dn = scalar (map_get (&d, auth, "user_domain_name")) ? NULL
                   : scalar (map_get (&d, auth, "domain_name"));
  if (dn != NULL && (set_str (&c->user_domain_name, dn, e) < 0
                     || (c->project_domain_name == NULL
                         && set_str (&c->project_domain_name, dn, e) < 0)))
    goto out;
  if (set_str (&c->region, scalar (map_get (&d, cloud, "region_name")), e) < 0
      || set_str (&c->interface, scalar (map_get (&d, cloud, "interface")), e) < 0
      || set_str (&c->cacert, scalar (map_get (&d, cloud, "cacert")), e) < 0)
    goto out;
  if (falsy (scalar (map_get (&d, cloud, "verify")))
      || truthy (scalar (map_get (&d, cloud, "insecure"))))
    c->insecure = 1;
  const char *v = scalar (map_get (&d, cloud, "identity_api_version"));
  if (v != NULL && strcmp (v, "3") != 0 && strncmp (v, "3.", 2) != 0) {
    fg_err_set (e, FG_E_UNSUPPORTED, "identity_api_version %s in %s: only 3 is supported",
                v, c->from);
    goto out;
  }
  c->kind = FG_AUTH_NONE;
  ret = complete (c, scalar (map_get (&d, cloud, "auth_type")), e);
out:
  /* the document held the secrets too: wipe its scalars */
  for (yaml_node_t *n = d.nodes.start; n < d.nodes.top; n++)
    if (n->type == YAML_SCALAR_NODE)
      fg_http_wipe (n->data.scalar.value, n->data.scalar.length);
  yaml_document_delete (&d);
  yaml_parser_delete (&p);
  fclose (f);
  return ret;
}

static int
from_cloud (struct fg_creds *c, const char *name, char *const *envp,
            struct fg_err *e)
{
  const char *cfg = env_get (envp, "OS_CLIENT_CONFIG_FILE");
  const char *home = env_get (envp, "HOME");
  char paths[3][4096];
  size_t np = 0;

  if (cfg != NULL)
    snprintf (paths[np++], sizeof paths[0], "%s", cfg);
  else {
    snprintf (paths[np++], sizeof paths[0], "clouds.yaml");
    if (home != NULL)
      snprintf (paths[np++], sizeof paths[0], "%s/.config/openstack/clouds.yaml", home);
    snprintf (paths[np++], sizeof paths[0], "/etc/openstack/clouds.yaml");
  }
  for (size_t i = 0; i < np; i++) {
    int r = fg_creds_from_clouds_yaml (c, paths[i], name, e);
    if (r <= 0)
      return r;
  }
  fg_err_set (e, FG_E_USAGE, "cloud '%s': no clouds.yaml found", name);
  fg_err_hint (e, "put it in ./clouds.yaml, ~/.config/openstack/clouds.yaml or "
               "/etc/openstack/clouds.yaml, or name it with OS_CLIENT_CONFIG_FILE");
  return -1;
}

int
fg_creds_load (struct fg_creds *c, const char *cloud, char *const *envp,
               struct fg_err *e)
{
  int r;

  memset (c, 0, sizeof *c);
  if (cloud != NULL)
    r = from_cloud (c, cloud, envp, e);
  else if (env_get (envp, "ST_AUTH") != NULL) {
    snprintf (c->from, sizeof c->from, "the environment (ST_AUTH)");
    c->kind = FG_AUTH_SWIFT_V1;
    r = (set_str (&c->auth_url, env_get (envp, "ST_AUTH"), e) < 0
         || set_str (&c->username, env_get (envp, "ST_USER"), e) < 0
         || set_str (&c->password, env_get (envp, "ST_KEY"), e) < 0) ? -1
        : complete (c, NULL, e);
  } else if (env_get (envp, "OS_CLOUD") != NULL)
    r = from_cloud (c, env_get (envp, "OS_CLOUD"), envp, e);
  else if (env_get (envp, "OS_AUTH_URL") != NULL) {
    static const struct { const char *var; size_t off; } vars[] = {
#define V(v, f) { v, offsetof (struct fg_creds, f) }
      V ("OS_AUTH_URL", auth_url), V ("OS_USERNAME", username),
      V ("OS_USER_ID", user_id), V ("OS_PASSWORD", password),
      V ("OS_USER_DOMAIN_NAME", user_domain_name),
      V ("OS_USER_DOMAIN_ID", user_domain_id),
      V ("OS_PROJECT_NAME", project_name), V ("OS_PROJECT_ID", project_id),
      V ("OS_PROJECT_DOMAIN_NAME", project_domain_name),
      V ("OS_PROJECT_DOMAIN_ID", project_domain_id),
      V ("OS_APPLICATION_CREDENTIAL_ID", appcred_id),
      V ("OS_APPLICATION_CREDENTIAL_NAME", appcred_name),
      V ("OS_APPLICATION_CREDENTIAL_SECRET", appcred_secret),
      V ("OS_REGION_NAME", region), V ("OS_INTERFACE", interface),
      V ("OS_CACERT", cacert),
#undef V
    };
    snprintf (c->from, sizeof c->from, "the environment (OS_*)");
    r = 0;
    for (size_t i = 0; r == 0 && i < sizeof vars / sizeof vars[0]; i++)
      r = set_str ((char **) ((char *) c + vars[i].off), env_get (envp, vars[i].var), e);
    if (r == 0 && c->project_name == NULL
        && set_str (&c->project_name, env_get (envp, "OS_TENANT_NAME"), e) < 0)
      r = -1;
    if (r == 0)
      c->insecure = truthy (env_get (envp, "OS_INSECURE"));
    if (r == 0)
      r = complete (c, env_get (envp, "OS_AUTH_TYPE"), e);
  } else {
    fg_err_set (e, FG_E_USAGE, "no OpenStack credentials");
    fg_err_hint (e, "set OS_AUTH_URL and OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME "
                 "(or an application credential), or ST_AUTH, ST_USER and ST_KEY, "
                 "or name a cloud of clouds.yaml with --os-cloud");
    r = -1;
  }
  /* the interface as OS_INTERFACE spells it ("publicURL" from v2 days) */
  if (r == 0 && c->interface != NULL) {
    char *u = strstr (c->interface, "URL");
    if (u != NULL && u[3] == '\0')
      *u = '\0';
  }
  if (r == 0 && set_str (&c->storage_url, env_get (envp, "OS_STORAGE_URL"), e) < 0)
    r = -1;
  if (r < 0)
    fg_creds_free (c);
  return r;
}

/* ---- the Keystone request body ------------------------------------- */

/* A writer that measures first (buf NULL) and fills second, so the
 * body holding the password is allocated once, exactly, and wiped. */
struct jw {
  char *buf;
  size_t len;
};

static void
jw_raw (struct jw *w, const char *s)
{
  size_t n = strlen (s);
  if (w->buf != NULL)
    memcpy (w->buf + w->len, s, n);
  w->len += n;
}

static void
jw_str (struct jw *w, const char *s)
{
  jw_raw (w, "\"");
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\')
      snprintf (esc, sizeof esc, "\\%c", *p);
    else if (*p < 0x20)
      snprintf (esc, sizeof esc, "\\u%04x", *p);
    else {
      esc[0] = (char) *p;
      esc[1] = '\0';
    }
    jw_raw (w, esc);
  }
  jw_raw (w, "\"");
}

/* "KEY": "VALUE" with a comma before it unless FIRST. */
static void
jw_kv (struct jw *w, const char *key, const char *value, int first)
{
  if (!first)
    jw_raw (w, ",");
  jw_str (w, key);
  jw_raw (w, ":");
  jw_str (w, value);
}

/* {"id": ID} or {"name": NAME, "domain": {...}} */
static void
jw_named (struct jw *w, const char *id, const char *name, const char *dom_id,
          const char *dom_name)
{
  if (id != NULL) {
    jw_kv (w, "id", id, 1);
    return;
  }
  jw_kv (w, "name", name, 1);
  jw_raw (w, ",\"domain\":{");
  if (dom_id != NULL)
    jw_kv (w, "id", dom_id, 1);
  else
    jw_kv (w, "name", dom_name != NULL ? dom_name : "Default", 1);
  jw_raw (w, "}");
}

static void
keystone_body (struct jw *w, const struct fg_creds *c)
{
  jw_raw (w, "{\"auth\":{\"identity\":{");
  if (c->kind == FG_AUTH_APPCRED) {
    jw_raw (w, "\"methods\":[\"application_credential\"],\"application_credential\":{");
    if (c->appcred_id != NULL)
      jw_kv (w, "id", c->appcred_id, 1);
    else {
      jw_kv (w, "name", c->appcred_name, 1);
      jw_raw (w, ",\"user\":{");
      jw_named (w, c->user_id, c->username, c->user_domain_id, c->user_domain_name);
      jw_raw (w, "}");
    }
    jw_kv (w, "secret", c->appcred_secret, 0);
    jw_raw (w, "}}}}");        /* an application credential has its scope */
    return;
  }
  jw_raw (w, "\"methods\":[\"password\"],\"password\":{\"user\":{");
  jw_named (w, c->user_id, c->username, c->user_domain_id, c->user_domain_name);
  jw_kv (w, "password", c->password, 0);
  jw_raw (w, "}}}");
  if (c->project_id != NULL || c->project_name != NULL) {
    jw_raw (w, ",\"scope\":{\"project\":{");
    jw_named (w, c->project_id, c->project_name, c->project_domain_id,
              c->project_domain_name);
    jw_raw (w, "}}");
  }
  jw_raw (w, "}}");
}

char *
fg_auth_keystone_body (const struct fg_creds *c, struct fg_err *e)
{
  struct jw w = { NULL, 0 };

  keystone_body (&w, c);
  w.buf = malloc (w.len + 1);
  if (w.buf == NULL) {
    fg_err_errno (e, FG_E_IO, ENOMEM, "building the Keystone request");
    return NULL;
  }
  w.len = 0;
  keystone_body (&w, c);
  w.buf[w.len] = '\0';
  return w.buf;
}

/* ---- the catalog --------------------------------------------------- */

char *
fg_auth_catalog_endpoint (const char *token_json, const char *type,
                          const char *region, const char *interface)
{
  json_error_t je;
  json_t *doc = json_loads (token_json, 0, &je), *cat, *svc;
  size_t i, j;
  char *url = NULL;

  if (interface == NULL)
    interface = "public";
  cat = json_object_get (json_object_get (doc, "token"), "catalog");
  json_array_foreach (cat, i, svc) {
    json_t *ep;
    if (!json_is_string (json_object_get (svc, "type"))
        || strcmp (json_string_value (json_object_get (svc, "type")), type) != 0)
      continue;
    json_array_foreach (json_object_get (svc, "endpoints"), j, ep) {
      const char *in = json_string_value (json_object_get (ep, "interface"));
      const char *r1 = json_string_value (json_object_get (ep, "region_id"));
      const char *r2 = json_string_value (json_object_get (ep, "region"));
      const char *u = json_string_value (json_object_get (ep, "url"));
      if (in == NULL || u == NULL || strcmp (in, interface) != 0)
        continue;
      if (region != NULL && !(r1 != NULL && strcmp (r1, region) == 0)
          && !(r2 != NULL && strcmp (r2, region) == 0))
        continue;
      url = strdup (u);
      goto out;
    }
  }
out:
  json_decref (doc);
  if (url != NULL) {
    size_t n = strlen (url);
    while (n > 0 && url[n - 1] == '/')
      url[--n] = '\0';
  }
  return url;
}

/* ---- the session --------------------------------------------------- */

struct fg_auth *
fg_auth_new (struct fg_creds *c, const struct fg_http_opts *hopts,
             struct fg_err *e)
{
  struct fg_http_opts o = { 0 };
  struct fg_auth *a = calloc (1, sizeof *a);

  if (a == NULL) {
    fg_err_errno (e, FG_E_IO, ENOMEM, "starting a cloud session");
    return NULL;
  }
  if (hopts != NULL)
    o = *hopts;
  if (!o.insecure)
    o.insecure = c->insecure;
  if (o.cacert == NULL)
    o.cacert = c->cacert;
  a->http = fg_http_new (&o, e);
  if (a->http == NULL) {
    free (a);
    return NULL;
  }
  a->c = *c;
  memset (c, 0, sizeof *c);
  return a;
}

static void
drop_session (struct fg_auth *a)
{
  fg_http_free_secret (a->token);
  free (a->storage_url);
  free (a->image_url);
  a->token = a->storage_url = a->image_url = NULL;
}

void
fg_auth_free (struct fg_auth *a)
{
  if (a == NULL)
    return;
  drop_session (a);
  fg_creds_free (&a->c);
  fg_http_free (a->http);
  free (a);
}

static int
refused (struct fg_auth *a, const char *url, const struct fg_http_resp *rs,
         struct fg_err *e)
{
  if (rs->status == 401 || rs->status == 403) {
    char red[1024];
    fg_err_set (e, FG_E_INPUT, "'%s' refused the credentials of %s (%s): HTTP %ld",
                fg_http_redact_url (url, red, sizeof red), a->c.from,
                fg_auth_kind_name (a->c.kind), rs->status);
    fg_err_hint (e, "check the user, password or key, project and domains");
    return -1;
  }
  return fg_http_status_err (e, "POST", url, rs);
}

static int
login_keystone (struct fg_auth *a, struct fg_err *e)
{
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;
  char url[4096];
  char *body;
  size_t n = strlen (a->c.auth_url);
  int ret = -1;

  while (n > 0 && a->c.auth_url[n - 1] == '/')
    n--;
  if (n >= 3 && memcmp (a->c.auth_url + n - 3, "/v3", 3) == 0)
    snprintf (url, sizeof url, "%.*s/auth/tokens", (int) n, a->c.auth_url);
  else if (n >= 5 && memcmp (a->c.auth_url + n - 5, "/v2.0", 5) == 0)
    return fg_err_set (e, FG_E_UNSUPPORTED, "Keystone v2.0 (%s) is not supported: use v3",
                       a->c.from);
  else
    snprintf (url, sizeof url, "%.*s/v3/auth/tokens", (int) n, a->c.auth_url);

  body = fg_auth_keystone_body (&a->c, e);
  if (body == NULL)
    return -1;
  const char *hdrs[] = { "Content-Type: application/json",
                         "Accept: application/json", NULL };
  struct fg_http_req rq = {
    .method = "POST", .url = url, .headers = hdrs, .body = body,
    .body_len = strlen (body), .max_body = 16u << 20, .idempotent = 1,
  };
  int r = fg_http_do (a->http, &rq, &rs, e);
  fg_http_free_secret (body);
  if (r < 0)
    return -1;
  if (rs.status != 201) {
    refused (a, url, &rs, e);
    goto out;
  }
  const char *tok = fg_http_header (&rs, "X-Subject-Token");
  if (tok == NULL || rs.body == NULL) {
    fg_err_set (e, FG_E_IO, "Keystone at '%s' answered 201 without a token", url);
    goto out;
  }
  drop_session (a);
  if ((a->token = strdup (tok)) == NULL) {
    fg_err_errno (e, FG_E_IO, ENOMEM, "keeping the token");
    goto out;
  }
  a->image_url = fg_auth_catalog_endpoint (rs.body, "image", a->c.region, a->c.interface);
  a->storage_url = a->c.storage_url != NULL ? strdup (a->c.storage_url)
                   : fg_auth_catalog_endpoint (rs.body, "object-store", a->c.region,
                                               a->c.interface);
  ret = 0;
out:
  fg_http_resp_free (&rs);
  return ret;
}

static int
login_swift_v1 (struct fg_auth *a, struct fg_err *e)
{
  struct fg_http_resp rs = FG_HTTP_RESP_INIT;
  size_t ul = strlen (a->c.username) + 16, kl = strlen (a->c.password) + 16;
  char *user = malloc (ul), *key = malloc (kl);
  int ret = -1;

  if (user == NULL || key == NULL) {
    free (user);
    free (key);
    return fg_err_errno (e, FG_E_IO, ENOMEM, "logging in");
  }
  snprintf (user, ul, "X-Auth-User: %s", a->c.username);
  snprintf (key, kl, "X-Auth-Key: %s", a->c.password);
  const char *hdrs[] = { user, key, NULL };
  struct fg_http_req rq = { .method = "GET", .url = a->c.auth_url, .headers = hdrs };
  int r = fg_http_do (a->http, &rq, &rs, e);
  fg_http_free_secret (user);
  fg_http_free_secret (key);
  if (r < 0)
    return -1;
  if (rs.status != 200 && rs.status != 204) {
    refused (a, a->c.auth_url, &rs, e);
    goto out;
  }
  const char *tok = fg_http_header (&rs, "X-Auth-Token");
  const char *su = fg_http_header (&rs, "X-Storage-Url");
  if (tok == NULL)
    tok = fg_http_header (&rs, "X-Storage-Token");
  if (tok == NULL || su == NULL) {
    char red[1024];
    fg_err_set (e, FG_E_IO, "'%s' answered %ld without X-Auth-Token and X-Storage-Url",
                fg_http_redact_url (a->c.auth_url, red, sizeof red), rs.status);
    goto out;
  }
  drop_session (a);
  a->token = strdup (tok);
  a->storage_url = strdup (a->c.storage_url != NULL ? a->c.storage_url : su);
  if (a->token == NULL || a->storage_url == NULL) {
    fg_err_errno (e, FG_E_IO, ENOMEM, "keeping the token");
    goto out;
  }
  ret = 0;
out:
  fg_http_resp_free (&rs);
  return ret;
}

int
fg_auth_login (struct fg_auth *a, struct fg_err *e)
{
  if (a->c.kind == FG_AUTH_SWIFT_V1)
    return login_swift_v1 (a, e);
  return login_keystone (a, e);
}

int
fg_auth_renew (struct fg_auth *a, struct fg_err *e)
{
  if (fg_auth_login (a, e) < 0)
    return fg_err_prefix (e, "renewing the token");
  a->renewals++;
  return 0;
}

struct fg_http *fg_auth_http (struct fg_auth *a) { return a->http; }
const char *fg_auth_token (const struct fg_auth *a) { return a->token; }
const char *fg_auth_storage_url (const struct fg_auth *a) { return a->storage_url; }
const char *fg_auth_image_url (const struct fg_auth *a) { return a->image_url; }
const struct fg_creds *fg_auth_creds (const struct fg_auth *a) { return &a->c; }
unsigned fg_auth_renewals (const struct fg_auth *a) { return a->renewals; }

int
fg_auth_header (const struct fg_auth *a, char *buf, size_t cap, struct fg_err *e)
{
  if (a->token == NULL)
    return fg_err_set (e, FG_E_INTERNAL, "no token: not logged in");
  if ((size_t) snprintf (buf, cap, "X-Auth-Token: %s", a->token) >= cap)
    return fg_err_set (e, FG_E_IO, "the token is over %zu bytes", cap);
  return 0;
}
