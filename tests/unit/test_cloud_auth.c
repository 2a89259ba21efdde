/* tests/unit/test_cloud_auth.c --- credentials (cloud/auth.c) without a
 * cloud: clouds.yaml read from a temporary file through libyaml, the
 * environment's precedence (--os-cloud, ST_*, OS_CLOUD, OS_*), what is
 * refused, the Keystone request body, the catalog's endpoints; and
 * cloud/swift.c's ETag helpers */
#include "tests/unit/tap.h"
#include "cloud/auth.h"
#include "cloud/swift.h"

#include <jansson.h>
#include <unistd.h>

static char dir[] = "/tmp/fg-test-cloud-XXXXXX";
static char yaml_path[256];

static const char clouds[] =
  "# a comment\n"
  "clouds:\n"
  "  pw:\n"
  "    auth_type: password\n"
  "    auth:\n"
  "      auth_url: https://keystone.example/v3\n"
  "      username: \"demo\"\n"
  "      password: \"p\\\"w: 'x\"\n"
  "      project_name: demo\n"
  "      user_domain_name: Users\n"
  "      project_domain_name: Default\n"
  "    region_name: RegionTwo\n"
  "    interface: internal\n"
  "    verify: false\n"
  "  ac:\n"
  "    auth_type: v3applicationcredential\n"
  "    auth:\n"
  "      auth_url: https://keystone.example:5000\n"
  "      application_credential_id: 0123abc\n"
  "      application_credential_secret: s3cret\n"
  "  acname:\n"
  "    auth:\n"
  "      auth_url: https://k/v3\n"
  "      application_credential_name: fg\n"
  "      application_credential_secret: s\n"
  "      username: demo\n"
  "  token:\n"
  "    auth_type: token\n"
  "    auth: {auth_url: https://k/v3, token: abc}\n"
  "  nopass:\n"
  "    auth: {auth_url: https://k/v3, username: demo}\n"
  "  v2:\n"
  "    identity_api_version: 2\n"
  "    auth: {auth_url: https://k/v2.0, username: demo, password: x}\n";

static void
setup (void)
{
  FILE *f;
  if (mkdtemp (dir) == NULL)
    abort ();
  snprintf (yaml_path, sizeof yaml_path, "%s/clouds.yaml", dir);
  f = fopen (yaml_path, "w");
  fputs (clouds, f);
  fclose (f);
}

static void
test_clouds_yaml_password (void)
{
  struct fg_creds c = { 0 };
  struct fg_err e = FG_ERR_INIT;

  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "pw", &e), 0);
  CHECK_INT (c.kind, FG_AUTH_PASSWORD);
  CHECK_STR (c.auth_url, "https://keystone.example/v3");
  CHECK_STR (c.username, "demo");
  CHECK_STR (c.password, "p\"w: 'x");
  CHECK_STR (c.user_domain_name, "Users");
  CHECK_STR (c.project_name, "demo");
  CHECK_STR (c.region, "RegionTwo");
  CHECK_STR (c.interface, "internal");
  CHECK_INT (c.insecure, 1);
  CHECK_CONTAINS (c.from, "cloud 'pw' of '");
  fg_creds_free (&c);
  CHECK (c.password == NULL);
}

static void
test_clouds_yaml_appcred_and_refusals (void)
{
  struct fg_creds c = { 0 };
  struct fg_err e = FG_ERR_INIT;

  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "ac", &e), 0);
  CHECK_INT (c.kind, FG_AUTH_APPCRED);
  CHECK_STR (c.appcred_id, "0123abc");
  CHECK_STR (c.appcred_secret, "s3cret");
  CHECK_STR (c.interface, "public");
  CHECK_INT (c.insecure, 0);
  fg_creds_free (&c);
  /* by name: the user and its domain too; the kind from the keys */
  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "acname", &e), 0);
  CHECK_INT (c.kind, FG_AUTH_APPCRED);
  CHECK_STR (c.user_domain_name, "Default");
  fg_creds_free (&c);

  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "token", &e), -1);
  CHECK_INT (e.kind, FG_E_UNSUPPORTED);
  CHECK_CONTAINS (e.msg, "auth type 'token'");
  fg_creds_free (&c);
  fg_err_clear (&e);
  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "nopass", &e), -1);
  CHECK_INT (e.kind, FG_E_USAGE);
  CHECK_CONTAINS (e.msg, "no user name or password in cloud 'nopass'");
  fg_creds_free (&c);
  fg_err_clear (&e);
  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "v2", &e), -1);
  CHECK_CONTAINS (e.msg, "only 3 is supported");
  fg_creds_free (&c);
  fg_err_clear (&e);
  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "nope", &e), -1);
  CHECK_CONTAINS (e.msg, "no cloud 'nope' in '");
  fg_creds_free (&c);
  fg_err_clear (&e);
  CHECK_INT (fg_creds_from_clouds_yaml (&c, "/nonexistent/clouds.yaml", "pw", &e), 1);
}

static void
test_bad_yaml (void)
{
  struct fg_creds c = { 0 };
  struct fg_err e = FG_ERR_INIT;
  char p[300];
  FILE *f;

  snprintf (p, sizeof p, "%s/bad.yaml", dir);
  f = fopen (p, "w");
  fputs ("clouds:\n  x: [unclosed\n", f);
  fclose (f);
  CHECK_INT (fg_creds_from_clouds_yaml (&c, p, "x", &e), -1);
  CHECK_INT (e.kind, FG_E_INPUT);
  CHECK_CONTAINS (e.msg, "is not YAML");
  unlink (p);
}

static void
test_env_precedence (void)
{
  struct fg_creds c;
  struct fg_err e = FG_ERR_INIT;
  char cfg[300];
  snprintf (cfg, sizeof cfg, "OS_CLIENT_CONFIG_FILE=%s", yaml_path);
  char *both[] = {
    "OS_AUTH_URL=https://k/v3", "OS_USERNAME=demo", "OS_PASSWORD=pw",
    "OS_PROJECT_NAME=demo", "ST_AUTH=https://swift/auth/v1.0",
    "ST_USER=test:tester", "ST_KEY=key", cfg, NULL,
  };

  /* ST_* over OS_*, as python-swiftclient */
  CHECK_INT (fg_creds_load (&c, NULL, both, &e), 0);
  CHECK_INT (c.kind, FG_AUTH_SWIFT_V1);
  CHECK_STR (c.auth_url, "https://swift/auth/v1.0");
  CHECK_STR (c.username, "test:tester");
  CHECK_STR (c.password, "key");
  fg_creds_free (&c);
  /* --os-cloud over both */
  CHECK_INT (fg_creds_load (&c, "ac", both, &e), 0);
  CHECK_INT (c.kind, FG_AUTH_APPCRED);
  fg_creds_free (&c);
  /* OS_* alone: password, domains Default, the interface of v2 days */
  char *os[] = {
    "OS_AUTH_URL=https://k/v3", "OS_USERNAME=demo", "OS_PASSWORD=pw",
    "OS_TENANT_NAME=old", "OS_INTERFACE=publicURL", "OS_INSECURE=true",
    "OS_STORAGE_URL=http://proxy/v1/AUTH_x", "ST_AUTH=", NULL,
  };
  CHECK_INT (fg_creds_load (&c, NULL, os, &e), 0);
  CHECK_INT (c.kind, FG_AUTH_PASSWORD);
  CHECK_STR (c.project_name, "old");
  CHECK_STR (c.user_domain_name, "Default");
  CHECK_STR (c.project_domain_name, "Default");
  CHECK_STR (c.interface, "public");
  CHECK_STR (c.storage_url, "http://proxy/v1/AUTH_x");
  CHECK_INT (c.insecure, 1);
  CHECK_STR (c.from, "the environment (OS_*)");
  fg_creds_free (&c);
  /* OS_CLOUD names a cloud when ST_* is not there */
  char *oc[] = { "OS_CLOUD=pw", "OS_AUTH_URL=https://other/v3", cfg, NULL };
  CHECK_INT (fg_creds_load (&c, NULL, oc, &e), 0);
  CHECK_STR (c.auth_url, "https://keystone.example/v3");
  fg_creds_free (&c);
  /* application credential from OS_* */
  char *ac[] = { "OS_AUTH_URL=https://k/v3", "OS_APPLICATION_CREDENTIAL_ID=id1",
                 "OS_APPLICATION_CREDENTIAL_SECRET=sec", NULL };
  CHECK_INT (fg_creds_load (&c, NULL, ac, &e), 0);
  CHECK_INT (c.kind, FG_AUTH_APPCRED);
  fg_creds_free (&c);
}

static void
test_env_refusals (void)
{
  struct fg_creds c;
  struct fg_err e = FG_ERR_INIT;
  char *none[] = { "HOME=/nonexistent", NULL };
  char *st[] = { "ST_AUTH=https://swift/auth/v1.0", "ST_USER=u", NULL };
  char *ac[] = { "OS_AUTH_URL=https://k/v3", "OS_APPLICATION_CREDENTIAL_NAME=n",
                 "OS_APPLICATION_CREDENTIAL_SECRET=sec", NULL };
  char *cl[] = { "HOME=/nonexistent", NULL };

  CHECK_INT (fg_creds_load (&c, NULL, none, &e), -1);
  CHECK_INT (e.kind, FG_E_USAGE);
  CHECK_STR (e.msg, "no OpenStack credentials");
  CHECK_CONTAINS (e.hint, "--os-cloud");
  fg_err_clear (&e);
  CHECK_INT (fg_creds_load (&c, NULL, st, &e), -1);
  CHECK_STR (e.msg, "ST_AUTH is set but not ST_USER and ST_KEY");
  fg_err_clear (&e);
  CHECK_INT (fg_creds_load (&c, NULL, ac, &e), -1);
  CHECK_CONTAINS (e.msg, "incomplete application credential");
  fg_err_clear (&e);
  /* no clouds.yaml on the search path (the ./clouds.yaml of the test's
   * folder aside: the tests run from the top of the tree) */
  if (access ("clouds.yaml", F_OK) != 0) {
    CHECK_INT (fg_creds_load (&c, "x", cl, &e), -1);
    CHECK_CONTAINS (e.msg, "cloud 'x': no clouds.yaml found");
  }
}

static void
test_keystone_bodies (void)
{
  struct fg_creds c = { 0 };
  struct fg_err e = FG_ERR_INIT;
  json_error_t je;
  json_t *d;
  char *b;

  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "pw", &e), 0);
  b = fg_auth_keystone_body (&c, &e);
  d = json_loads (b, 0, &je);
  CHECK (d != NULL);
  json_t *pw = json_object_get (json_object_get (d, "auth"), "identity");
  CHECK_STR (json_string_value (json_array_get (json_object_get (pw, "methods"), 0)), "password");
  json_t *user = json_object_get (json_object_get (pw, "password"), "user");
  CHECK_STR (json_string_value (json_object_get (user, "password")), "p\"w: 'x");
  CHECK_STR (json_string_value (json_object_get (json_object_get (user, "domain"), "name")), "Users");
  json_t *proj = json_object_get (json_object_get (json_object_get (d, "auth"), "scope"), "project");
  CHECK_STR (json_string_value (json_object_get (proj, "name")), "demo");
  json_decref (d);
  fg_http_free_secret (b);
  fg_creds_free (&c);

  CHECK_INT (fg_creds_from_clouds_yaml (&c, yaml_path, "ac", &e), 0);
  b = fg_auth_keystone_body (&c, &e);
  d = json_loads (b, 0, &je);
  json_t *ac = json_object_get (json_object_get (json_object_get (d, "auth"), "identity"),
                                "application_credential");
  CHECK_STR (json_string_value (json_object_get (ac, "id")), "0123abc");
  CHECK_STR (json_string_value (json_object_get (ac, "secret")), "s3cret");
  CHECK (json_object_get (json_object_get (d, "auth"), "scope") == NULL);
  json_decref (d);
  fg_http_free_secret (b);
  fg_creds_free (&c);
}

static void
test_catalog (void)
{
  const char *doc =
    "{\"token\": {\"catalog\": ["
    " {\"type\": \"identity\", \"endpoints\": [{\"interface\": \"public\", \"region\": \"R1\", \"url\": \"http://k/v3\"}]},"
    " {\"type\": \"object-store\", \"endpoints\": ["
    "   {\"interface\": \"admin\", \"region_id\": \"R1\", \"url\": \"http://admin/v1/AUTH_p\"},"
    "   {\"interface\": \"public\", \"region_id\": \"R1\", \"url\": \"http://r1/v1/AUTH_p/\"},"
    "   {\"interface\": \"public\", \"region_id\": \"R2\", \"url\": \"http://r2/v1/AUTH_p\"},"
    "   {\"interface\": \"internal\", \"region\": \"R2\", \"url\": \"http://int2/v1/AUTH_p\"}]},"
    " {\"type\": \"image\", \"endpoints\": [{\"interface\": \"public\", \"region\": \"R1\", \"url\": \"http://g:9292\"}]}]}}";
  char *u;

  CHECK_STR (u = fg_auth_catalog_endpoint (doc, "object-store", NULL, NULL), "http://r1/v1/AUTH_p");
  free (u);
  CHECK_STR (u = fg_auth_catalog_endpoint (doc, "object-store", "R2", "public"), "http://r2/v1/AUTH_p");
  free (u);
  CHECK_STR (u = fg_auth_catalog_endpoint (doc, "object-store", "R2", "internal"), "http://int2/v1/AUTH_p");
  free (u);
  CHECK_STR (u = fg_auth_catalog_endpoint (doc, "image", "R1", NULL), "http://g:9292");
  free (u);
  CHECK (fg_auth_catalog_endpoint (doc, "image", "R2", NULL) == NULL);
  CHECK (fg_auth_catalog_endpoint ("{\"token\": {}}", "image", NULL, NULL) == NULL);
  CHECK (fg_auth_catalog_endpoint ("not json", "image", NULL, NULL) == NULL);
}

static void
test_etags (void)
{
  char out[80], m[33];
  const char *md5s[] = { "4bbe8b5a5bd8b0ba6a3e1e67e1bfcdba", "b026324c6904b2a9cb4b88d6d61c81d1" };

  CHECK_STR (fg_swift_etag_bare ("\"ABCdef\"", out, sizeof out), "abcdef");
  CHECK_STR (fg_swift_etag_bare ("d41d8cd98f00b204e9800998ecf8427e", out, sizeof out),
             "d41d8cd98f00b204e9800998ecf8427e");
  /* md5 ("4bbe8b5a5bd8b0ba6a3e1e67e1bfcdbab026324c6904b2a9cb4b88d6d61c81d1") */
  fg_swift_manifest_etag (md5s, 2, m);
  CHECK_STR (m, "f7b59382e598507f1f398e1327d34c3c");
  fg_swift_manifest_etag (NULL, 0, m);
  CHECK_STR (m, "d41d8cd98f00b204e9800998ecf8427e");
}

int
main (void)
{
  setup ();
  RUN (test_clouds_yaml_password);
  RUN (test_clouds_yaml_appcred_and_refusals);
  RUN (test_bad_yaml);
  RUN (test_env_precedence);
  RUN (test_env_refusals);
  RUN (test_keystone_bodies);
  RUN (test_catalog);
  RUN (test_etags);
  unlink (yaml_path);
  rmdir (dir);
  return TAP_DONE ();
}
