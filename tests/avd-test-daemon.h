/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real avanued started for a test: its own state directory, free ports
 * (--port 0 --turn-port 0), and the ports read back from its
 * `listening http=PORT turn=PORT` line. */
typedef struct {
  GSubprocess *process;
  char *state_dir;
  guint http_port;
  guint turn_port;
} AvdTestDaemon;

char          *avd_test_daemon_path     (void);
AvdTestDaemon *avd_test_daemon_start    (const char * const *extra_args);
int            avd_test_daemon_stop     (AvdTestDaemon      *daemon);
void           avd_test_daemon_free     (AvdTestDaemon      *daemon);
char          *avd_test_daemon_url      (AvdTestDaemon      *daemon,
                                         const char         *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTestDaemon, avd_test_daemon_free)

G_END_DECLS
