/* cli/cmd_vhd_info.c --- fg2ng vhd-info: what the VHD reader decoded */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "source/vhd.h"
#include "cli/cmd.h"

static const char help[] =
"usage: fg2ng vhd-info [--json] [--parent VHD]... FILE.vhd\n"
"\n"
"Show what fg2ng reads in a VHD and its chain, leaf first: type, creator,\n"
"sizes, geometry, UUIDs, timestamps, block size, allocated blocks, and\n"
"for differencing disks the parent name, UUID and locators.  Every field\n"
"is validated as 'convert' would; a damaged file gives one error naming\n"
"the field.  The file is opened read-only.\n"
"\n"
"Options:\n"
"  --json          one JSON object on stdout\n"
"  --parent VHD    a differencing parent, leaf's first (repeatable)\n"
"  -h, --help      this text\n";

static json_t *
locators_json (const struct vhd_header *h)
{
  json_t *arr = json_array ();

  for (int i = 0; i < VHD_MAX_LOCATORS; i++) {
    const struct vhd_locator *l = &h->loc[i];
    char code[5];
    if (l->code == VHD_LOC_NONE)
      continue;
    for (int k = 0; k < 4; k++) {
      unsigned char c = (unsigned char) (l->code >> (24 - 8 * k));
      code[k] = c >= 0x20 && c < 0x7f ? (char) c : '.';
    }
    code[4] = '\0';
    json_array_append_new (arr, json_pack ("{s:s, s:I, s:I, s:I}",
                                           "code", code,
                                           "data_offset",
                                           (json_int_t) l->data_offset,
                                           "data_length",
                                           (json_int_t) l->data_len,
                                           "data_space",
                                           (json_int_t) l->data_space));
  }
  return arr;
}

static json_t *
level_json (const struct vhd_chain *c, size_t i)
{
  const struct vhd_footer *f = vhd_chain_footer (c, i);
  const struct vhd_header *h = vhd_chain_header (c, i);
  char creator[5], uuid[37];
  json_t *o;

  char version[16], when[32];
  time_t ts = vhd_time_to_unix (f->timestamp);
  struct tm tm;

  vhd_creator_string (f->creator_app, creator);
  uuid_unparse_lower (f->uuid, uuid);
  snprintf (version, sizeof version, "%u.%u", f->creator_version >> 16,
            f->creator_version & 0xffff);
  gmtime_r (&ts, &tm);
  strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:{s:i, s:i, s:i}, "
                 "s:s, s:b, s:I, s:I}",
                 "file", vhd_chain_path (c, i),
                 "type", vhd_disk_type_name (f->disk_type),
                 "creator", creator,
                 "uuid", uuid,
                 "creator_version", version,
                 "current_size", (json_int_t) f->current_size,
                 "original_size", (json_int_t) f->original_size,
                 "geometry", "cylinders", (int) f->cylinders,
                 "heads", (int) f->heads, "sectors", (int) f->sectors,
                 "timestamp", when,
                 "hidden", f->hidden != 0,
                 "file_size", (json_int_t) vhd_chain_file_size (c, i),
                 "allocated_blocks",
                 (json_int_t) vhd_chain_allocated_blocks (c, i));
  if (o == NULL)
    return NULL;
  if (h) {
    json_object_set_new (o, "block_size", json_integer (h->block_size));
    json_object_set_new (o, "max_table_entries",
                         json_integer (h->max_table_entries));
    json_object_set_new (o, "table_offset",
                         json_integer ((json_int_t) h->table_offset));
  }
  if (h && f->disk_type == VHD_TYPE_DIFF) {
    char pname[VHD_PARENT_NAME_BYTES / 2 + 1], puuid[37];
    if (vhd_parent_name_decode (h->parent_name, pname, sizeof pname) < 0)
      strcpy (pname, "?");
    uuid_unparse_lower (h->parent_uuid, puuid);
    json_object_set_new (o, "parent_name", json_string (pname));
    json_object_set_new (o, "parent_uuid", json_string (puuid));
    json_object_set_new (o, "parent_timestamp",
                         json_integer ((json_int_t)
                                       vhd_time_to_unix (h->parent_timestamp)));
    json_object_set_new (o, "locators", locators_json (h));
  }
  return o;
}

static void
print_text (const struct vhd_chain *c)
{
  for (size_t i = 0; i < vhd_chain_depth (c); i++) {
    json_t *o = level_json (c, i);
    const char *key;
    json_t *v;

    printf ("%s%s\n", i ? "\nparent: " : "", vhd_chain_path (c, i));
    json_object_foreach (o, key, v) {
      char *s;
      if (strcmp (key, "file") == 0)
        continue;
      s = json_dumps (v, JSON_ENCODE_ANY | JSON_COMPACT);
      if (json_is_string (v))
        printf ("  %-18s %s\n", key, json_string_value (v));
      else
        printf ("  %-18s %s\n", key, s ? s : "?");
      free (s);
    }
    json_decref (o);
  }
  printf ("\nvirtual size: %llu bytes (%.1f MiB), chain depth %zu\n",
          (unsigned long long) vhd_chain_size (c),
          (double) vhd_chain_size (c) / 1048576.0, vhd_chain_depth (c));
}

static int
run_vhd_info (int argc, char **argv)
{
  static const struct option opts[] = {
    { "json", no_argument, NULL, 'j' },
    { "parent", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 },
  };
  const char *parents[VHD_MAX_CHAIN_READ];
  size_t nparents = 0;
  struct fg_err e = FG_ERR_INIT;
  struct vhd_chain *c;
  int json = 0, opt;

  optind = 0;
  opterr = 0;
  while ((opt = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
    if (opt == 'j')
      json = 1;
    else if (opt == 'p' && nparents < VHD_MAX_CHAIN_READ)
      parents[nparents++] = optarg;
    else if (opt == 'p')
      return fg_cmd_usage_error ("vhd-info", "too many --parent");
    else
      return fg_cmd_bad_option ("vhd-info", opt, argv);
  }
  if (optind >= argc)
    return fg_cmd_usage_error ("vhd-info", "missing FILE.vhd");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("vhd-info", "one FILE only");
  if (vhd_chain_open (&c, argv[optind], parents, nparents, &e) < 0)
    return fg_cmd_finish (&e);
  if (json) {
    json_t *chain = json_array ();
    for (size_t i = 0; i < vhd_chain_depth (c); i++)
      json_array_append_new (chain, level_json (c, i));
    json_t *o = json_pack ("{s:I, s:I, s:o}", "virtual_size",
                           (json_int_t) vhd_chain_size (c), "depth",
                           (json_int_t) vhd_chain_depth (c), "chain", chain);
    json_dumpf (o, stdout, JSON_INDENT (2));
    fputc ('\n', stdout);
    json_decref (o);
  } else
    print_text (c);
  vhd_chain_close (c);
  return FG_EXIT_OK;
}

const struct fg_cmd fg_cmd_vhd_info = {
  .name = "vhd-info",
  .summary = "show what is inside a VHD or VHD chain",
  .help = help,
  .run = run_vhd_info,
};
