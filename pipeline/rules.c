/* pipeline/rules.c --- the rules on an inspection, before any write
 *
 * Every writer of pipeline/kinds.c and pipeline/staged.c runs the
 * eligibility rules here on what it inspected, and records who the
 * source is: the labels of the output come from there.
 */
#include "pipeline/rules.h"

#include <stdlib.h>
#include <string.h>

void
pl_identity_set (struct fg_pipeline_report *rep, const char *os_type,
                 const char *distro, const char *version, const char *arch)
{
  free (rep->os.os_type);
  free (rep->os.distro);
  free (rep->os.version);
  free (rep->os.arch);
  rep->os.os_type = os_type && strcmp (os_type, "unknown") != 0
    ? strdup (os_type) : NULL;
  rep->os.distro = distro ? strdup (distro) : NULL;
  rep->os.version = version ? strdup (version) : NULL;
  rep->os.arch = arch ? strdup (arch) : NULL;
}

int
pl_plan (const struct fg_pipeline_opts *a, const struct fg_inspection *in,
         struct fg_pipeline_report *rep, struct fg_err *e)
{
  struct fg_plan_opts po;

  memset (&po, 0, sizeof po);
  po.flavor = a->flavor;
  po.target_class = a->target_class;
  po.mode = a->mode;
  po.server_record = a->server_record;
  po.headroom_pct = a->file.headroom_pct;
  if (fg_plan_make (in, &po, &rep->plan, e) < 0)
    return -1;
  rep->planned = 1;
  if (rep->plan.eligible || a->no_check)
    return 0;
  rep->refused = 1;             /* no error: the verdicts say why */
  return -1;
}

void
pl_warn_ineligible (const struct fg_pipeline_opts *a,
                    const struct fg_pipeline_report *rep)
{
  for (unsigned i = 0; i < rep->plan.n; i++)
    if (rep->plan.v[i].level == FG_FAIL)
      fg_warn ("'%s' is not eligible, converted anyway (--no-check): %s "
               "(%s)", a->source, rep->plan.v[i].message
               ? rep->plan.v[i].message : "", rep->plan.v[i].rule);
}

/* The rules on an inspected source, before anything is written: no
 * operating system is an input error (exit 2), an ineligible server is
 * refused (exit 1, REP->refused, the verdicts say why); --no-check turns
 * both into warnings. */
int
pl_precheck (const struct fg_pipeline_opts *a, const struct fg_inspection *in,
          struct fg_pipeline_report *rep, struct fg_err *e)
{
  pl_identity_set (rep, in->os_type, in->distro, in->version, in->arch);
  if (fg_inspection_require_os (in, a->source, e) < 0) {
    if (!a->no_check)
      return -1;
    fg_err_clear (e);
    fg_warn ("no operating system found in '%s', converted anyway "
             "(--no-check): the output is labelled \"os unknown\"",
             a->source);
  }
  if (pl_plan (a, in, rep, e) < 0)
    return -1;
  pl_warn_ineligible (a, rep);
  return 0;
}

