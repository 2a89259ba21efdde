/* tests/fuzz/fuzz_agent_schedule.c --- libFuzzer target for the agent's
 * schedule parser and server record checks (agent/schedule.h)
 *
 * The input is the schedule file.  Only text that is not JSON may fail
 * the parse; anything else gives servers and problems.  Every kept
 * server must be whole (id that can name a file, window in order,
 * absolute source and output, a record that passes the record check
 * again), kept servers are sorted and unique, every listed problem is a
 * non-empty line, and every kept server can be found.  Record paths
 * resolve against a folder that does not exist: nothing is read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/schedule.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fg_schedule s;
  struct fg_err e = FG_ERR_INIT;
  char why[512];

  if (fg_schedule_parse ((const char *) data, size, "fuzz.json",
                         "/nonexistent-fg2ng-fuzz", "/out", &s, &e) < 0) {
    if (e.msg[0] == '\0')
      abort ();
    fg_schedule_release (&s);
    return 0;
  }
  if (s.nlisted > s.nproblems)
    abort ();
  for (size_t i = 0; i < s.nlisted; i++)
    if (s.problems[i] == NULL || s.problems[i][0] == '\0' ||
        strchr (s.problems[i], '\n'))
      abort ();
  for (size_t i = 0; i < s.n; i++) {
    const struct fg_sched_server *v = &s.servers[i];
    if (!fg_schedule_id_ok (v->server_id) ||
        !(v->window_start < v->window_end) ||
        v->source[0] != '/' || v->output[0] != '/' ||
        fg_server_record_check (v->record, v->server_id, why,
                                sizeof why) < 0)
      abort ();
    if (i > 0 && strcmp (s.servers[i - 1].server_id, v->server_id) > 0)
      abort ();
    if (fg_schedule_find (&s, v->server_id) == NULL)
      abort ();
  }
  fg_schedule_release (&s);
  return 0;
}
