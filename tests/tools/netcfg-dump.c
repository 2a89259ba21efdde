/* tests/tools/netcfg-dump.c --- print the network model of a folder
 *
 *   netcfg-dump [--family F] DIR
 *
 * Reads every file under DIR (a guest's files at their paths relative
 * to "/", as in ../shared/peers/netcfg/<case>/) into an fg_files set,
 * symlinks kept as symlinks, runs fg_net_parse and prints
 * {"family": ..., "network": fg_net_json (...)} on stdout.  Used by
 * tests/peers-netcfg.sh; handy by hand on an extracted guest's etc/.
 * Exit status: 0, or 2 when DIR cannot be read or memory runs out.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/files.h"
#include "net/netcfg.h"

static struct fg_files files;
static size_t top_len;
static int failed;

static int
add_one (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  struct fg_err e = FG_ERR_INIT;
  const char *rel = path + top_len;

  (void) ftw;
  while (*rel == '/')
    rel++;
  if (*rel == '\0')
    return 0;
  if (type == FTW_SL) {
    char *target = malloc ((size_t) st->st_size + 2);
    ssize_t n = target ? readlink (path, target, (size_t) st->st_size + 1) : -1;
    if (n < 0) {
      free (target);
      return 0;
    }
    target[n] = '\0';
    if (fg_files_add_symlink (&files, rel, target, &e) < 0)
      failed = 1;
    free (target);
  } else if (type == FTW_F && S_ISREG (st->st_mode)) {
    FILE *f = fopen (path, "rb");
    char *data = malloc (FG_FILES_MAX_SIZE + 1);
    size_t n = 0;
    if (f && data) {
      n = fread (data, 1, FG_FILES_MAX_SIZE, f);
      if (fg_files_add (&files, rel, data, n, &e) < 0)
        failed = 1;
    } else
      fprintf (stderr, "netcfg-dump: cannot read '%s': %s\n", path,
               strerror (errno));
    if (f)
      fclose (f);
    free (data);
  }
  return failed;
}

int
main (int argc, char **argv)
{
  const char *family = NULL, *dir;
  struct fg_err e = FG_ERR_INIT;
  struct fg_net net;
  json_t *out, *nj;
  int rc;

  if (argc == 4 && strcmp (argv[1], "--family") == 0) {
    family = argv[2];
    dir = argv[3];
  } else if (argc == 2)
    dir = argv[1];
  else {
    fprintf (stderr, "usage: netcfg-dump [--family F] DIR\n");
    return 2;
  }
  fg_files_init (&files);
  top_len = strlen (dir);
  if (nftw (dir, add_one, 16, FTW_PHYS) != 0 || failed) {
    fprintf (stderr, "netcfg-dump: cannot read '%s'\n", dir);
    return 2;
  }
  rc = fg_net_parse (&files, family, &net, &e);
  if (rc < 0) {
    fg_err_print (&e, "netcfg-dump", stderr);
    fg_net_release (&net);
    fg_files_release (&files);
    return 2;
  }
  nj = fg_net_json (&net);
  out = nj ? json_pack ("{s:s?, s:o}", "family", net.family, "network", nj)
           : NULL;
  if (out == NULL || json_dumpf (out, stdout, JSON_INDENT (2)) < 0) {
    fprintf (stderr, "netcfg-dump: out of memory\n");
    rc = 2;
  }
  putchar ('\n');
  json_decref (out);
  fg_net_release (&net);
  fg_files_release (&files);
  return rc < 0 ? 2 : 0;
}
