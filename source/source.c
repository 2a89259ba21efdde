/* source/source.c --- what a source path is, probed once */
#include "source/source.h"

#include <string.h>

#include "source/swiftparts.h"
#include "source/tarstream.h"
#include "source/vhd.h"

int
fg_source_probe (const char *path, struct fg_source *src, struct fg_err *e)
{
  enum fg_source_kind found;
  enum fg_layout layout;
  int vhd;

  memset (src, 0, sizeof *src);
  src->path = path;
  /* swift://CONTAINER/NAME.tar.gz.0: the parts kinds, read from Swift
   * (the parts' reader goes there: nothing else differs). */
  if (fg_swift_parts_is_url (path)) {
    if (fg_swift_parts_find (path, &src->parts, e) < 0)
      return -1;
    found = FG_SOURCE_PARTS;
  } else if (fg_parts_find (path, &found, &src->parts, e) < 0)
    return -1;
  switch (found) {
  case FG_SOURCE_DIR:
    src->kind = FG_SRC_FOLDER;
    return 0;
  case FG_SOURCE_FILE:
    if ((vhd = vhd_probe_file (path, e)) < 0)
      return -1;
    src->kind = FG_SRC_DISK;
    src->vhd = vhd;
    return 0;
  case FG_SOURCE_PARTS:
    break;
  }
  if (fg_tar_probe_layout (&src->parts, &layout, e) < 0) {
    fg_parts_release (&src->parts);
    return -1;
  }
  src->kind = layout == FG_LAYOUT_BLOCK ? FG_SRC_BLOCK_PARTS
    : FG_SRC_FILE_PARTS;
  return 0;
}

void
fg_source_release (struct fg_source *src)
{
  fg_parts_release (&src->parts);
}

const char *
fg_source_kind_name (enum fg_src_kind kind)
{
  static const char *const names[FG_SRC_NKINDS] = {
    "folder", "file-level parts", "block-level parts", "disk",
  };
  return (unsigned) kind < FG_SRC_NKINDS ? names[kind] : "?";
}
