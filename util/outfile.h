/* util/outfile.h --- outputs that appear under their final name only when complete
 *
 * An output is written to a temporary file in the target folder
 * (".NAME.XXXXXX.part"), fsync'd, and renamed into place by
 * fg_outfile_commit().  If anything fails, or the process is interrupted
 * by SIGINT/SIGTERM/SIGHUP, the temporary file is removed: an interrupted
 * run never leaves a file under the final name, nor a stray .part file.
 *
 * Outputs are written mostly front to back and are not read again by
 * this process, so writing trails the furthest write by a window: the
 * kernel is asked to start writing each window out as the next one
 * fills, and the window before that is waited for and dropped from the
 * page cache.  An image of any size then holds a few windows of dirty
 * pages, not gigabytes, the disk works while we compute, and the final
 * fsync has little left to do.  Writes behind the window (metadata
 * rewritten later) are ordinary cached writes.
 */
#ifndef FG_UTIL_OUTFILE_H
#define FG_UTIL_OUTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

struct fg_outfile {
  char *path;   /* final name */
  char *tmp;    /* temporary name while open, NULL once committed/aborted */
  int fd;
  uint64_t high;    /* end of the furthest write so far */
  uint64_t kicked;  /* [0, kicked) has had its write-back started */
};

#define FG_OUTFILE_INIT { NULL, NULL, -1, 0, 0 }

enum { FG_OUTFILE_REPLACE = 1 };

/* Outputs hold customer disks, addresses and keys: they are created
 * 0600 whatever the umask.  An operator who wants them readable by a
 * group (an upload service, say) widens this once, before any output is
 * opened; the value is taken as it is (0600 to 0666), not masked. */
#define FG_OUTFILE_PERM_DEFAULT 0600
void fg_outfile_set_perm (mode_t perm);

/* Create the temporary file beside PATH.  Without FG_OUTFILE_REPLACE an
 * existing PATH is an error (exit 2, with a hint to pass --force). */
int fg_outfile_open (struct fg_outfile *o, const char *path, int flags,
                     struct fg_err *e);

/* Write all of BUF at OFF, retrying short writes; the error names the file. */
int fg_outfile_pwrite (struct fg_outfile *o, const void *buf, size_t len,
                       uint64_t off, struct fg_err *e);

/* Set the file's length (sparse extension or truncation). */
int fg_outfile_truncate (struct fg_outfile *o, uint64_t len, struct fg_err *e);

/* fsync the data, rename into place (refusing to replace unless asked),
 * fsync the folder.  On failure the temporary file is removed. */
int fg_outfile_commit (struct fg_outfile *o, int flags, struct fg_err *e);

/* Remove the temporary file and release everything.  Safe to call twice,
 * after commit, or on a never-opened FG_OUTFILE_INIT. */
void fg_outfile_abort (struct fg_outfile *o);

/* A finished file that is itself temporary (the VHD packed into a
 * bundle): removed on SIGINT/SIGTERM/SIGHUP until untracked.  PATH must
 * stay valid until fg_outfile_untrack (PATH). */
void fg_outfile_track (char *path);
void fg_outfile_untrack (const char *path);

/* Install the handlers that remove open temporary files on SIGINT,
 * SIGTERM and SIGHUP, then die of the same signal.  Called once by main. */
void fg_outfile_install_signal_cleanup (void);

#endif
