/* tests/fuzz/fuzz_server_record.c --- the server record reader, and the
 * network plan and every renderer on what it accepts
 *
 * The input is a server record file.  A record the reader refuses must
 * come with an input error naming the file; one it accepts is planned in
 * self-service mode over an empty image model and rendered by each
 * family, and the plan must encode as JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/netplan.h"
#include "net/netrender.h"

static const char *const renderers[] = {
  "debian-interfaces", "rhel-ifcfg", "suse-ifcfg", "arch-rc-conf",
  "gentoo-conf-d-net",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char path[64];
  struct fg_server_record *rec = NULL;
  struct fg_err e = FG_ERR_INIT;
  struct fg_net image;
  struct fg_net_plan p;
  FILE *f;

  if (path[0] == '\0')
    snprintf (path, sizeof path, "/tmp/fuzz-server-record.%ld",
              (long) getpid ());
  f = fopen (path, "wb");
  if (f == NULL)
    return 0;
  fwrite (data, 1, size, f);
  fclose (f);
  if (fg_server_record_load (path, &rec, &e) < 0) {
    if (e.kind != FG_E_INPUT || strstr (e.msg, path) == NULL)
      abort ();
    return 0;
  }
  memset (&image, 0, sizeof image);
  if (fg_net_plan_make (&image, rec, FG_MODE_SELF_SERVICE, &p, &e) == 0) {
    json_t *j = fg_net_plan_json (&p);
    if (j == NULL)
      abort ();
    json_decref (j);
    for (size_t i = 0; i < sizeof renderers / sizeof renderers[0]; i++) {
      struct fg_net_render r;
      if (fg_net_render (renderers[i], &p.net, NULL, &r, &e) == 0)
        fg_net_render_release (&r);
    }
  }
  fg_net_plan_release (&p);
  fg_server_record_free (rec);
  return 0;
}
