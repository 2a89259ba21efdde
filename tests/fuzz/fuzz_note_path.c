/* tests/fuzz/fuzz_note_path.c --- member names through the inspector
 *
 * The input is a list of member names, one per line (a line starting
 * with "L " is a symlink), as an archive or a guest's /boot and module
 * folders hand them to fg_inspect_note_path: kernel versions cut out of
 * the names of kernel images, module folders and initramfs images, Xen
 * driver paths and the database markers of profiles/databases.json.
 * Whatever the names, nothing reads past a name, the kernel table stays
 * bounded, and the inspection is released without a leak.  (profiles/ is found beside
 * the build folder, as the binary finds it.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fg_inspection in;
  struct fg_err e = FG_ERR_INIT;
  char *text, *save = NULL;

  fg_inspection_init (&in);
  if ((in.markers = fg_markers_get (&e)) == NULL)
    abort ();                   /* the fuzzer runs from the source tree */
  if ((text = malloc (size + 1)) == NULL)
    return 0;
  memcpy (text, data, size);
  text[size] = '\0';
  for (char *line = strtok_r (text, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    int link = strncmp (line, "L ", 2) == 0;
    fg_inspect_note_path (&in, link ? line + 2 : line, link);
    fg_inspect_note_image_head (&in, line, (const unsigned char *) data,
                                size);
  }
  fg_inspect_identify (&in);
  free (text);
  fg_inspection_release (&in);
  return 0;
}
