/* core/cmd_check.c --- fg2ng check: the support engineer's dry run */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/cmd.h"
#include "core/progress.h"
#include "fixups/fixups.h"
#include "inspect/inspect.h"
#include "inspect/plan.h"

static const char help[] =
"usage: fg2ng check [--json] [--flavor F] [--class C] [--mode M]\n"
"                   [--server-record FILE] SOURCE\n"
"\n"
"The support engineer's dry run.  Inspects SOURCE (first-gen parts, an\n"
"extracted root folder, a VHD or raw disk: what convert accepts) without\n"
"writing anything and applies every rule: the known base image (supported\n"
"where fg2ng has a tested profile for its family), 250 GB and 3 million\n"
"inodes for first-gen Linux, 40 GB for General Purpose and I/O flavors,\n"
"the 256 MB flavor, the kernels the guest boots and their Xen drivers\n"
"(modules without a kernel image are the first-gen host's kernel: reported,\n"
"not judged), data disks in fstab, databases, IP preservation, and the time\n"
"estimate.  Each verdict names its rule, the measured figure and the\n"
"limit, with one sentence to read to the customer.\n"
"\n"
"Options:\n"
"  --flavor F       the server's first-gen flavor: id (1..8), name or RAM\n"
"                   (\"256MB\", \"512\")\n"
"  --class C        the next-gen flavor class wanted: standard, general, io\n"
"  --mode M         self-service, assisted or image (default image)\n"
"  --server-record FILE  the addresses the control plane knows (JSON, see\n"
"                   doc/server-record.schema.json): with self-service or\n"
"                   assisted, the network files are shown re-rendered\n"
"  --json           the report as one JSON object\n"
"  --progress MODE  auto, none, bar or json (on stderr)\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 eligible, 1 not eligible (Windows too: it is inspected and\n"
"its rules applied, but fg2ng does not convert it yet), 2 unreadable input,\n"
"3 a source fg2ng cannot inspect yet (a differencing VHD chain) or a\n"
"broken profile.\n";

static const char *const level_mark[] = { "ok  ", "info", "WARN", "FAIL" };

int
fg_cmd_dry_run (const char *cmd, const char *source,
                const struct fg_plan_opts *o, int json, int progress)
{
  struct fg_err e = FG_ERR_INIT;
  struct fg_fixups *fx = NULL;
  struct fg_inspection in;
  struct fg_plan plan;
  struct fg_net_plan net;
  char no_fixups[FG_ERR_MSG_MAX] = "";
  int rc;

  (void) cmd;
  memset (&net, 0, sizeof net);
  fg_inspection_init (&in);
  memset (&plan, 0, sizeof plan);
  rc = fg_inspect_source (source, (enum fg_progress_mode) progress, &in, &e);
  if (rc == 0)
    rc = fg_inspection_require_os (&in, source, &e);
  if (rc == 0)
    rc = fg_plan_make (&in, o, &plan, &e);
  /* The edits the conversion would make, on the files inspection kept;
   * the UUID is only known once the file system is made. */
  if (rc == 0 && o->fixups) {
    struct fg_fixup_facts facts = { in.distro, "<new-file-system-uuid>",
                                    "ext4", NULL, &in.files, in.major };
    const char *kv[FG_MAX_KERNELS];
    for (unsigned i = 0; i < in.nkernels; i++)
      kv[i] = in.kernels[i].version;
    facts.fs_type = fg_fixups_choose_fs (in.distro, kv, in.nkernels, &e);
    if (facts.fs_type == NULL)
      facts.fs_type = "ext4";
    rc = fg_net_plan_from (o->mode, o->server_record, &in.net, &net, &e);
    if (rc == 0)
      fg_net_plan_warn (&net);
    facts.net = &net;
    if (rc == 0)
      rc = fg_fixups_new (&fx, &facts, &e);
    /* A profile that refuses to convert (Windows) leaves nothing to
     * show; when the rules refuse the source too, the verdicts are the
     * answer the support engineer needs, not an error. */
    if (rc < 0 && e.kind == FG_E_UNSUPPORTED && !plan.eligible) {
      snprintf (no_fixups, sizeof no_fixups, "%s", e.msg);
      fg_err_clear (&e);
      rc = 0;
    }
    for (size_t i = 0; rc == 0 && fx && i < in.files.n; i++) {
      const struct fg_file *f = &in.files.v[i];
      char *out = NULL;
      size_t outlen;
      if (f->data && fg_fixups_touches (fx, f->path))
        fg_fixups_apply (fx, f->path, f->data, f->len, &out, &outlen);
      free (out);
    }
    /* Network files the new model needs that the image lacks. */
    {
      const char *path, *data;
      size_t i = 0, len;
      while (fx && fg_fixups_next_new (fx, &i, &path, &data, &len))
        fg_fixups_created (fx, path);
    }
    /* The guest commands: the decision convert executes. */
    fg_fixups_decide_initramfs (fx, &in, (enum fg_rebuild_when) o->initramfs);
  }
  if (rc == 0 && json) {
    json_t *out = json_pack ("{s:s, s:o, s:o}", "source", source,
                             "inspection", fg_inspection_json (&in),
                             "plan", fg_plan_json (&plan));
    if (o->fixups) {
      json_t *fj = fg_fixups_json (fx);
      if (no_fixups[0])
        json_object_set_new (fj, "unsupported", json_string (no_fixups));
      json_object_set_new (out, "fixups", fj);
    }
    json_dumpf (out, stdout, JSON_INDENT (2));
    fputc ('\n', stdout);
    json_decref (out);
  } else if (rc == 0) {
    printf ("%s: %s %s, %.1f GB used, %llu inodes\n", source,
            in.distro ? in.distro : "unknown OS", in.version ? in.version : "",
            (double) in.bytes_used / (1u << 30),
            (unsigned long long) in.inodes);
    for (unsigned i = 0; i < plan.n; i++)
      printf ("  %s  %-24s %-36s %s\n", level_mark[plan.v[i].level],
              plan.v[i].rule, plan.v[i].figure ? plan.v[i].figure : "",
              plan.v[i].message ? plan.v[i].message : "");
    if (json_array_size (plan.flavors)) {
      size_t i;
      json_t *f;
      printf ("  fits next-gen flavors:");
      json_array_foreach (plan.flavors, i, f)
        printf (" %s", json_string_value (f));
      putchar ('\n');
    }
    if (fx) {
      printf ("changes the conversion would make (profile %s):\n",
              fg_fixups_profile (fx));
      fg_fixups_print (fx, stdout);
    } else if (no_fixups[0])
      printf ("no changes shown: %s\n", no_fixups);
    printf ("verdict: %s\n", plan.eligible ? "eligible" : "NOT eligible");
  }
  {
    int eligible = plan.eligible;
    fg_fixups_free (fx);
    fg_net_plan_release (&net);
    fg_plan_release (&plan);
    fg_inspection_release (&in);
    if (rc < 0)
      return fg_cmd_finish (&e);
    return eligible ? FG_EXIT_OK : FG_EXIT_REFUSED;
  }
}

static int
run_check (int argc, char **argv)
{
  static const struct option opts[] = {
    { "json", no_argument, NULL, 'j' },
    { "flavor", required_argument, NULL, 'f' },
    { "class", required_argument, NULL, 'c' },
    { "mode", required_argument, NULL, 'm' },
    { "server-record", required_argument, NULL, 'r' },
    { "progress", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 },
  };
  struct fg_plan_opts o;
  enum fg_progress_mode pm = FG_PROGRESS_AUTO;
  int json = 0, opt;

  memset (&o, 0, sizeof o);
  o.fixups = 1;                 /* show what the conversion would change */
  optind = 0;
  opterr = 0;
  while ((opt = getopt_long (argc, argv, ":", opts, NULL)) != -1) {
    switch (opt) {
    case 'j': json = 1; break;
    case 'f': o.flavor = optarg; break;
    case 'c':
      if (strcmp (optarg, "standard") && strcmp (optarg, "general") &&
          strcmp (optarg, "io"))
        return fg_cmd_usage_error ("check", "--class takes standard, general "
                                   "or io, not '%s'", optarg);
      o.target_class = optarg;
      break;
    case 'm':
      if (strcmp (optarg, "self-service") && strcmp (optarg, "assisted") &&
          strcmp (optarg, "image"))
        return fg_cmd_usage_error ("check", "--mode takes self-service, "
                                   "assisted or image, not '%s'", optarg);
      o.mode = optarg;
      break;
    case 'r': o.server_record = optarg; break;
    case 'p':
      if (fg_progress_parse_mode (optarg, &pm) < 0)
        return fg_cmd_usage_error ("check", "--progress takes auto, none, "
                                   "bar or json, not '%s'", optarg);
      break;
    default:
      return fg_cmd_bad_option ("check", opt, argv);
    }
  }
  if (optind >= argc)
    return fg_cmd_usage_error ("check", "missing SOURCE");
  if (optind + 1 < argc)
    return fg_cmd_usage_error ("check", "one SOURCE only");
  return fg_cmd_dry_run ("check", argv[optind], &o, json, (int) pm);
}

const struct fg_cmd fg_cmd_check = {
  .name = "check",
  .summary = "dry run: is SOURCE eligible, and what would change",
  .help = help,
  .run = run_check,
};
