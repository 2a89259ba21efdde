/* util/outfile.c --- temporary name, fsync, rename */
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary files the signal handler must remove.  Slots are written only
 * outside the handler; the handler only reads them and calls unlink(),
 * which is async-signal-safe. */
#define MAX_LIVE_TEMPS 32
static char *volatile live_temps[MAX_LIVE_TEMPS];

static void
register_temp (char *tmp)
{
  for (int i = 0; i < MAX_LIVE_TEMPS; i++)
    if (live_temps[i] == NULL) {
      live_temps[i] = tmp;
      return;
    }
  /* More than 32 outputs open at once in one process: the file is still
   * removed on every ordinary error path, only not on a signal. */
}

static void
unregister_temp (const char *tmp)
{
  for (int i = 0; i < MAX_LIVE_TEMPS; i++)
    if (live_temps[i] == tmp)
      live_temps[i] = NULL;
}

void
fg_outfile_track (char *path)
{
  register_temp (path);
}

void
fg_outfile_untrack (const char *path)
{
  unregister_temp (path);
}

static void
on_fatal_signal (int sig)
{
  for (int i = 0; i < MAX_LIVE_TEMPS; i++)
    if (live_temps[i] != NULL)
      unlink (live_temps[i]);
  signal (sig, SIG_DFL);
  raise (sig);
}

void
fg_outfile_install_signal_cleanup (void)
{
  struct sigaction sa;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

static char *
temp_name_for (const char *path)
{
  char *dcopy = strdup (path), *bcopy = strdup (path), *out = NULL;

  if (dcopy && bcopy) {
    const char *dir = dirname (dcopy), *base = basename (bcopy);
    size_t n = strlen (dir) + strlen (base) + 32;
    out = malloc (n);
    if (out)
      snprintf (out, n, "%s/.%s.XXXXXX.part", dir, base);
  }
  free (dcopy);
  free (bcopy);
  return out;
}

static mode_t output_perm = FG_OUTFILE_PERM_DEFAULT;

int
fg_outfile_open (struct fg_outfile *o, const char *path, int flags,
                 struct fg_err *e)
{
  struct stat st;

  o->fd = -1;
  o->tmp = NULL;
  o->high = o->kicked = 0;
  o->path = strdup (path);
  if (o->path == NULL)
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  if (!(flags & FG_OUTFILE_REPLACE) && lstat (path, &st) == 0) {
    fg_outfile_abort (o);
    fg_err_set (e, FG_E_USAGE, "output '%s' already exists", path);
    fg_err_hint (e, "remove it, choose another name, or pass --force");
    return -1;
  }
  o->tmp = temp_name_for (path);
  if (o->tmp == NULL) {
    fg_outfile_abort (o);
    return fg_err_errno (e, FG_E_INTERNAL, ENOMEM, "'%s'", path);
  }
  o->fd = mkstemps (o->tmp, 5);
  if (o->fd < 0) {
    int saved = errno;
    free (o->tmp);
    o->tmp = NULL;
    fg_outfile_abort (o);
    return fg_err_errno (e, saved == ENOENT || saved == ENOTDIR
                         ? FG_E_USAGE : FG_E_IO, saved,
                         "cannot create output beside '%s'", path);
  }
  register_temp (o->tmp);
  /* mkstemp made it 0600, the default: widen it only when asked. */
  if (output_perm != 0600 && fchmod (o->fd, output_perm) < 0) {
    int saved = errno;
    fg_outfile_abort (o);
    return fg_err_errno (e, FG_E_IO, saved, "cannot set the mode of the "
                         "output beside '%s'", path);
  }
  return 0;
}

void
fg_outfile_set_perm (mode_t perm)
{
  output_perm = perm & 0666;
}

/* 16 MiB: large enough that the disk sees long sequential writes,
 * small enough that three windows are noise in the page cache. */
#define BEHIND_WINDOW ((uint64_t) 16 << 20)

/* Advisory only: a failure here is reported by the fsync at commit. */
static void
write_behind (struct fg_outfile *o)
{
  while (o->high >= o->kicked + BEHIND_WINDOW) {
    sync_file_range (o->fd, (off_t) o->kicked, (off_t) BEHIND_WINDOW,
                     SYNC_FILE_RANGE_WRITE);
    if (o->kicked >= BEHIND_WINDOW) {
      off_t prev = (off_t) (o->kicked - BEHIND_WINDOW);
      sync_file_range (o->fd, prev, (off_t) BEHIND_WINDOW,
                       SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                       SYNC_FILE_RANGE_WAIT_AFTER);
      posix_fadvise (o->fd, prev, (off_t) BEHIND_WINDOW,
                     POSIX_FADV_DONTNEED);
    }
    o->kicked += BEHIND_WINDOW;
  }
}

int
fg_outfile_pwrite (struct fg_outfile *o, const void *buf, size_t len,
                   uint64_t off, struct fg_err *e)
{
  uint64_t end = off + len;

  const uint8_t *p = buf;

  while (len > 0) {
    ssize_t n = pwrite (o->fd, p, len, (off_t) off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return fg_err_errno (e, FG_E_IO, errno,
                           "cannot write '%s' at offset %llu", o->path,
                           (unsigned long long) off);
    }
    p += n;
    len -= (size_t) n;
    off += (uint64_t) n;
  }
  if (end > o->high) {
    o->high = end;
    write_behind (o);
  }
  return 0;
}

int
fg_outfile_truncate (struct fg_outfile *o, uint64_t len, struct fg_err *e)
{
  if (ftruncate (o->fd, (off_t) len) < 0)
    return fg_err_errno (e, FG_E_IO, errno, "cannot size '%s' to %llu bytes",
                         o->path, (unsigned long long) len);
  return 0;
}

static void
fsync_parent (const char *path)
{
  char *copy = strdup (path);
  if (copy == NULL)
    return;
  int dfd = open (dirname (copy), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync (dfd);
    close (dfd);
  }
  free (copy);
}

int
fg_outfile_commit (struct fg_outfile *o, int flags, struct fg_err *e)
{
  int rc;

  if (fsync (o->fd) < 0) {
    fg_err_errno (e, FG_E_IO, errno, "cannot flush '%s' to disk", o->path);
    goto fail;
  }
  if (close (o->fd) < 0) {
    o->fd = -1;
    fg_err_errno (e, FG_E_IO, errno, "cannot close '%s'", o->path);
    goto fail;
  }
  o->fd = -1;
  if (flags & FG_OUTFILE_REPLACE)
    rc = rename (o->tmp, o->path);
  else {
    rc = renameat2 (AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE);
    if (rc < 0 && (errno == EINVAL || errno == ENOSYS)) {
      struct stat st;
      /* File systems without RENAME_NOREPLACE: check, then rename. */
      if (lstat (o->path, &st) == 0)
        errno = EEXIST;
      else
        rc = rename (o->tmp, o->path);
    }
  }
  if (rc < 0) {
    if (errno == EEXIST) {
      fg_err_set (e, FG_E_USAGE, "output '%s' appeared while converting",
                  o->path);
      fg_err_hint (e, "another process wrote it; pass --force to replace it");
    } else
      fg_err_errno (e, FG_E_IO, errno, "cannot rename into '%s'", o->path);
    goto fail;
  }
  unregister_temp (o->tmp);
  free (o->tmp);
  o->tmp = NULL;
  fsync_parent (o->path);
  free (o->path);
  o->path = NULL;
  return 0;

fail:
  fg_outfile_abort (o);
  return -1;
}

void
fg_outfile_abort (struct fg_outfile *o)
{
  if (o->fd >= 0) {
    close (o->fd);
    o->fd = -1;
  }
  if (o->tmp != NULL) {
    unlink (o->tmp);
    unregister_temp (o->tmp);
    free (o->tmp);
    o->tmp = NULL;
  }
  free (o->path);
  o->path = NULL;
}
