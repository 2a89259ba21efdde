/* cli/cmd_check.c --- fg2ng check: the support engineer's dry run */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/progress.h"
#include "fixups/fixups.h"
#include "pipeline/pipeline.h"
#include "source/swiftparts.h"
#include "inspect/vmaccel.h"
#include "facts/profiles.h"

static const char help[] =
"usage: fg2ng check [--json] [--flavor F] [--class C] [--mode M]\n"
"                   [--server-record FILE] [--os-cloud NAME] [--insecure]\n"
"                   SOURCE\n"
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
"limit, with one sentence to read to the customer.  The report starts\n"
"with the verdict and the sentences of the failing rules and warnings,\n"
"then every rule, the next-gen flavors that fit, and the changes.\n"
"\n"
"Options:\n"
"  --flavor F       the server's first-gen flavor: id (1..8), name or RAM\n"
"                   (\"256MB\", \"512\")\n"
"  --class C        the next-gen flavor class wanted: standard, general, io\n"
"  --mode M         self-service, assisted or image (default image)\n"
"  --server-record FILE  the addresses the control plane knows (JSON, see\n"
"                   doc/server-record.schema.json): with self-service or\n"
"                   assisted, the network files are shown re-rendered\n"
"  --json           the report as one JSON object (an error too:\n"
"                   {\"error\": {\"kind\", \"message\", \"hint\"}})\n"
"  --progress MODE  auto, none, bar or json (on stderr)\n"
"  --os-cloud NAME  for a swift://CONTAINER/NAME.tar.gz.0 source: the\n"
"                   credentials of cloud NAME in clouds.yaml (else OS_*)\n"
"  --insecure       do not verify the cloud's TLS certificates (warned)\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 eligible, 1 not eligible (Windows too: it is inspected and\n"
"its rules applied, but fg2ng does not convert it yet), 2 unreadable input,\n"
"3 a source fg2ng cannot inspect yet (a differencing VHD chain) or a\n"
"broken profile.\n";

static const char *const level_mark[] = { "ok  ", "info", "WARN", "FAIL" };

/* The report's first line: what the image is and its size; the inode
 * count on Linux only (it means nothing to the rules on Windows, whose
 * product name says more than its version). */
static void
print_facts (const char *source, const struct fg_inspection *in)
{
  if (strcmp (in->os_type, "windows") == 0)
    printf ("%s: %s (Windows %s), %.1f GB used\n", source,
            in->product ? in->product : "Windows",
            in->version ? in->version : "?",
            (double) in->bytes_used / (1u << 30));
  else
    printf ("%s: %s %s, %.1f GB used, %llu inodes\n", source,
            in->distro ? in->distro : "unknown OS",
            in->version ? in->version : "",
            (double) in->bytes_used / (1u << 30),
            (unsigned long long) in->inodes);
}

/* The text report is read out to a customer: the verdict and its
 * reasons first, then every rule, the flavors, and the diffs last.
 * Sentences in the summary are wrapped to this many columns; table rows
 * stay one line each (greppable), their figure column at most
 * FIGURE_COLS wide: a longer figure gets its own line, its message the
 * next, in the message column. */
#define REPORT_COLS 78
#define FIGURE_COLS 36

/* Columns S takes on a terminal: its UTF-8 characters (messages are
 * escaped, so every byte is text; wide characters count as one). */
static size_t
text_cols (const char *s)
{
  size_t n = 0;

  for (; s && *s; s++)
    if (((unsigned char) *s & 0xc0) != 0x80)
      n++;
  return n;
}

static void
spaces (size_t n)
{
  while (n--)
    putchar (' ');
}

/* TEXT broken at spaces into lines of at most REPORT_COLS columns: the
 * first after LEAD, the others indented INDENT columns.  A word longer
 * than a line is not cut. */
static void
print_wrapped (const char *lead, size_t indent, const char *text)
{
  size_t col = text_cols (lead);

  fputs (lead, stdout);
  while (*text) {
    size_t len = strcspn (text, " "), cols;
    char word[FG_ERR_MSG_MAX];
    if (len == 0) {
      text++;
      continue;
    }
    snprintf (word, sizeof word, "%.*s", (int) len, text);
    cols = text_cols (word);
    if (col > indent && col + 1 + cols > REPORT_COLS) {
      putchar ('\n');
      spaces (indent);
      col = indent;
    } else if (col > indent) {
      putchar (' ');
      col++;
    }
    fputs (word, stdout);
    col += cols;
    text += len;
  }
  putchar ('\n');
}

/* The verdicts of LEVEL under TITLE: the sentence for the customer,
 * then for the support engineer the rule, the figure and the limit. */
static void
print_reasons (const struct fg_plan *p, enum fg_level level,
               const char *title)
{
  unsigned n = 0;

  for (unsigned i = 0; i < p->n; i++) {
    const struct fg_verdict *v = &p->v[i];
    char text[2 * FG_ERR_MSG_MAX];
    if (v->level != level)
      continue;
    if (n++ == 0)
      printf ("  %s:\n", title);
    print_wrapped ("    - ", 6, v->message ? v->message : "");
    snprintf (text, sizeof text, "[%s: %s; limit: %s]", v->rule,
              v->figure ? v->figure : "-", v->limit ? v->limit : "-");
    print_wrapped ("      ", 6, text);
  }
}

/* First: the answer, and when it is no, why, in the rules' own
 * sentences; the warnings after. */
static void
print_verdict (const struct fg_plan *p)
{
  printf ("verdict: %s\n", p->eligible ? "eligible" : "NOT eligible");
  print_reasons (p, FG_FAIL, "why not");
  print_reasons (p, FG_WARN, "warnings");
}

/* Every rule, one row each, the columns as wide as their longest
 * entry (the figure's capped, see FIGURE_COLS). */
static void
print_rules (const struct fg_plan *p)
{
  size_t rule_w = 0, fig_w = 0, msg_col;

  for (unsigned i = 0; i < p->n; i++) {
    size_t r = text_cols (p->v[i].rule), f = text_cols (p->v[i].figure);
    if (r > rule_w)
      rule_w = r;
    if (f > fig_w && f <= FIGURE_COLS)
      fig_w = f;
  }
  msg_col = 2 + 4 + 2 + rule_w + 2 + fig_w + 2;
  printf ("rules:\n");
  for (unsigned i = 0; i < p->n; i++) {
    const struct fg_verdict *v = &p->v[i];
    const char *fig = v->figure ? v->figure : "";
    size_t f = text_cols (fig);
    printf ("  %s  %s", level_mark[v->level], v->rule);
    spaces (rule_w - text_cols (v->rule) + 2);
    fputs (fig, stdout);
    if (f > fig_w) {
      putchar ('\n');
      spaces (msg_col);
    } else
      spaces (fig_w - f + 2);
    printf ("%s\n", v->message ? v->message : "");
  }
}

/* The next-gen flavors that fit, by name with their RAM and disk from
 * profiles/flavors.json (the plan keeps their ids); an id the table
 * does not hold is shown as it is. */
static void
print_flavors (const struct fg_plan *p)
{
  struct fg_err e = FG_ERR_INIT;
  json_t *table = fg_profile_load ("flavors.json", &e);
  json_t *ng = json_object_get (table, "next_gen"), *id, *f;
  size_t i, k;

  if (json_array_size (p->flavors) == 0) {
    printf ("fits next-gen flavors: none\n");
    json_decref (table);
    return;
  }
  printf ("fits next-gen flavors:\n");
  json_array_foreach (p->flavors, i, id) {
    const char *want = json_string_value (id), *name = NULL;
    json_int_t ram = 0, disk = 0;
    json_array_foreach (ng, k, f) {
      const char *fid = json_string_value (json_object_get (f, "id"));
      if (want && fid && strcmp (want, fid) == 0) {
        name = json_string_value (json_object_get (f, "name"));
        ram = json_integer_value (json_object_get (f, "ram_mb"));
        disk = json_integer_value (json_object_get (f, "disk_gb"));
        break;
      }
    }
    if (name)
      printf ("  %s (%lld MB RAM, %lld GB disk; flavor id %s)\n", name,
              (long long) ram, (long long) disk, want);
    else
      printf ("  flavor id %s\n", want ? want : "?");
  }
  json_decref (table);
}

/* The report as one JSON object. */
static void
print_json (const char *source, const struct fg_plan_opts *o,
            const struct fg_pipeline_check *c)
{
  json_t *out = json_pack ("{s:s, s:o, s:o}", "source", source,
                           "inspection", fg_inspection_json (&c->in),
                           "plan", fg_plan_json (&c->plan));

  /* Which acceleration the libguestfs appliance had, when one ran:
   * "tcg (KVM is present but cannot run a guest: ...)" says why a
   * check took minutes. */
  if (fg_vm_accel_used ())
    json_object_set_new (out, "acceleration",
                         json_string (fg_vm_accel_used ()));
  if (o->fixups) {
    json_t *fj = fg_fixups_json (c->fixups);
    if (c->no_fixups[0])
      json_object_set_new (fj, "unsupported", json_string (c->no_fixups));
    json_object_set_new (out, "fixups", fj);
  }
  json_dumpf (out, stdout, JSON_INDENT (2));
  fputc ('\n', stdout);
  json_decref (out);
}

/* The report read out to a customer (see REPORT_COLS). */
static void
print_text (const char *source, const struct fg_pipeline_check *c)
{
  print_facts (source, &c->in);
  print_verdict (&c->plan);
  putchar ('\n');
  print_rules (&c->plan);
  putchar ('\n');
  print_flavors (&c->plan);
  if (c->fixups) {
    printf ("\nchanges the conversion would make (profile %s):\n",
            fg_fixups_profile (c->fixups));
    fg_fixups_print (c->fixups, stdout);
  } else if (c->no_fixups[0])
    printf ("\nno changes shown: %s\n", c->no_fixups);
}

int
fg_cmd_dry_run (const char *cmd, const char *source,
                const struct fg_plan_opts *o, int json, int progress)
{
  struct fg_err e = FG_ERR_INIT;
  struct fg_pipeline_check c;
  int rc, eligible;

  (void) cmd;
  rc = fg_pipeline_check (source, o, (enum fg_progress_mode) progress, &c,
                          &e);
  if (rc == 0 && json)
    print_json (source, o, &c);
  else if (rc == 0)
    print_text (source, &c);
  eligible = c.plan.eligible;
  fg_pipeline_check_release (&c);
  if (rc < 0)
    return fg_cmd_finish (&e);
  return eligible ? FG_EXIT_OK : FG_EXIT_REFUSED;
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
    { "os-cloud", required_argument, NULL, 'C' },
    { "insecure", no_argument, NULL, 'k' },
    { NULL, 0, NULL, 0 },
  };
  struct fg_plan_opts o;
  enum fg_progress_mode pm = FG_PROGRESS_AUTO;
  const char *os_cloud = NULL;
  int json = 0, opt, insecure = 0;

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
    case 'C': os_cloud = optarg; break;
    case 'k': insecure = 1; break;
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
  fg_swift_parts_config (os_cloud, insecure);
  return fg_cmd_dry_run ("check", argv[optind], &o, json, (int) pm);
}

const struct fg_cmd fg_cmd_check = {
  .name = "check",
  .summary = "dry run: is SOURCE eligible, and what would change",
  .help = help,
  .run = run_check,
};
