/* tests/tools/cloudtool.c --- drive cloud/ (auth, swift) from a test
 *
 * usage: cloudtool [OPTIONS] token
 *        cloudtool [OPTIONS] swift-list CONTAINER PREFIX [LIMIT]
 *        cloudtool [OPTIONS] swift-get CONTAINER OBJECT OUT
 * options: --os-cloud NAME   credentials from clouds.yaml (else the env)
 *          --insecure        do not verify TLS
 *          --debug           trace HTTP (redacted) to stderr
 *          --backoff-ms N    first wait before a retry or resume
 *          --retries N       resumes in a row without progress
 *          --token-file F    after login, write the token to F (0600)
 *          --wait-file W     ... then wait until W exists (a test revokes
 *                            the token meanwhile)
 * The token itself is printed nowhere: "token: N bytes".  Errors as
 * fg2ng prints them, and its exit codes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/auth.h"
#include "cloud/swift.h"

static int
to_file (void *opaque, const void *buf, size_t n, struct fg_err *e)
{
  FILE *f = opaque;
  if (fwrite (buf, 1, n, f) != n)
    return fg_err_errno (e, FG_E_IO, 5, "writing the output");
  return 0;
}

static int
usage (void)
{
  fprintf (stderr, "usage: cloudtool [--os-cloud NAME] [--insecure] [--debug] "
           "[--backoff-ms N] [--retries N] [--token-file F --wait-file W] "
           "token | swift-list CONTAINER PREFIX [LIMIT] | swift-get CONTAINER OBJECT OUT\n");
  return 2;
}

int
main (int argc, char **argv)
{
  struct fg_err e = FG_ERR_INIT;
  struct fg_creds c;
  struct fg_http_opts ho = { 0 };
  struct fg_swift_get_opts go = { 0 };
  const char *cloud = NULL, *token_file = NULL, *wait_file = NULL;
  struct fg_auth *a = NULL;
  int i, rc = 0;

  for (i = 1; i < argc && strncmp (argv[i], "--", 2) == 0; i++) {
    if (strcmp (argv[i], "--os-cloud") == 0 && i + 1 < argc)
      cloud = argv[++i];
    else if (strcmp (argv[i], "--insecure") == 0)
      ho.insecure = 1;
    else if (strcmp (argv[i], "--debug") == 0)
      ho.debug = 1;
    else if (strcmp (argv[i], "--backoff-ms") == 0 && i + 1 < argc)
      ho.backoff_ms = go.backoff_ms = (unsigned) atoi (argv[++i]);
    else if (strcmp (argv[i], "--retries") == 0 && i + 1 < argc)
      go.retries = (unsigned) atoi (argv[++i]);
    else if (strcmp (argv[i], "--token-file") == 0 && i + 1 < argc)
      token_file = argv[++i];
    else if (strcmp (argv[i], "--wait-file") == 0 && i + 1 < argc)
      wait_file = argv[++i];
    else
      return usage ();
  }
  if (i >= argc)
    return usage ();
  const char *cmd = argv[i];
  char **args = argv + i + 1;
  int nargs = argc - i - 1;

  if (fg_creds_load (&c, cloud, NULL, &e) < 0
      || (a = fg_auth_new (&c, &ho, &e)) == NULL
      || fg_auth_login (a, &e) < 0)
    goto fail;
  if (token_file != NULL) {
    int fd = open (token_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write (fd, fg_auth_token (a), strlen (fg_auth_token (a))) < 0) {
      fg_err_errno (&e, FG_E_IO, 5, "writing '%s'", token_file);
      goto fail;
    }
    close (fd);
    while (wait_file != NULL && access (wait_file, F_OK) != 0)
      usleep (50000);
  }

  if (strcmp (cmd, "token") == 0 && nargs == 0) {
    const struct fg_creds *cc = fg_auth_creds (a);
    printf ("kind: %s\nfrom: %s\n", fg_auth_kind_name (cc->kind), cc->from);
    printf ("storage: %s\n", fg_auth_storage_url (a) ? fg_auth_storage_url (a) : "none");
    printf ("image: %s\n", fg_auth_image_url (a) ? fg_auth_image_url (a) : "none");
    printf ("token: %zu bytes\n", strlen (fg_auth_token (a)));
  } else if (strcmp (cmd, "swift-list") == 0 && (nargs == 2 || nargs == 3)) {
    struct fg_swift_obj *objs;
    size_t n;
    unsigned pages;
    if (fg_swift_list (a, args[0], args[1], nargs == 3 ? (unsigned) atoi (args[2]) : 0,
                       &objs, &n, &pages, &e) < 0)
      goto fail;
    for (size_t k = 0; k < n; k++)
      printf ("%s %llu %s\n", objs[k].name, (unsigned long long) objs[k].bytes, objs[k].hash);
    printf ("objects: %zu\npages: %u\n", n, pages);
    fg_swift_objs_free (objs, n);
  } else if (strcmp (cmd, "swift-get") == 0 && nargs == 3) {
    struct fg_swift_get_result res;
    FILE *f = fopen (args[2], "wb");
    static const char *const checks[] = { "none", "md5", "segments", "skipped" };
    if (f == NULL) {
      fg_err_errno (&e, FG_E_IO, 5, "cannot open '%s'", args[2]);
      goto fail;
    }
    int r = fg_swift_get (a, args[0], args[1], to_file, f, &go, &res, &e);
    if (fclose (f) != 0 && r == 0)
      r = fg_err_errno (&e, FG_E_IO, 5, "writing '%s'", args[2]);
    printf ("bytes: %llu\nresumes: %u\n", (unsigned long long) res.bytes, res.resumes);
    if (r < 0)
      goto fail;
    printf ("md5: %s\ncheck: %s\nsegments: %zu\n", res.md5, checks[res.check], res.segments);
    if (res.note[0])
      printf ("note: %s\n", res.note);
  } else {
    fg_auth_free (a);
    return usage ();
  }
  printf ("renewals: %u\n", fg_auth_renewals (a));
  fg_auth_free (a);
  return rc;

fail:
  fg_err_print (&e, "cloudtool", stderr);
  if (a != NULL)
    printf ("renewals: %u\n", fg_auth_renewals (a));
  fg_auth_free (a);
  return fg_err_exit_code (&e);
}
