/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * AvdTestDaemonFlags:
 * @AVD_TEST_DAEMON_FLAG_NONE: defaults
 * @AVD_TEST_DAEMON_FLAG_VERBOSE: pass --verbose
 * @AVD_TEST_DAEMON_FLAG_CAPTURE_LOG: write everything the daemon prints
 *   (stderr, and stdout after the listening line) to a log file that
 *   avd_test_daemon_read_log() returns, instead of the test's stderr
 */
typedef enum {
  AVD_TEST_DAEMON_FLAG_NONE = 0,
  AVD_TEST_DAEMON_FLAG_VERBOSE = 1 << 0,
  AVD_TEST_DAEMON_FLAG_CAPTURE_LOG = 1 << 1,
} AvdTestDaemonFlags;

typedef struct _AvdTestDaemonOutput AvdTestDaemonOutput;

/* A real avanued started for a test: its own state directory, free ports
 * (--port 0 --turn-port 0), and the ports read back from its
 * `listening http=PORT turn=PORT` line.  It dies with the test process
 * (PR_SET_PDEATHSIG), so a failed assertion leaves no daemon behind. */
typedef struct {
  GSubprocess *process;
  char *state_dir;
  guint http_port;
  guint turn_port;

  /* private */
  char *config_path;
  char *log_path;
  GStrv extra_args;
  AvdTestDaemonFlags flags;
  AvdTestDaemonOutput *output;
} AvdTestDaemon;

char          *avd_test_daemon_path     (void);
AvdTestDaemon *avd_test_daemon_start    (const char * const *extra_args);
AvdTestDaemon *avd_test_daemon_start_full (const char         *config_text,
                                           const char * const *extra_args,
                                           AvdTestDaemonFlags  flags);
int            avd_test_daemon_stop     (AvdTestDaemon      *daemon);
void           avd_test_daemon_restart  (AvdTestDaemon      *daemon);
void           avd_test_daemon_free     (AvdTestDaemon      *daemon);
char          *avd_test_daemon_url      (AvdTestDaemon      *daemon,
                                         const char         *path);
char          *avd_test_daemon_ws_url   (AvdTestDaemon      *daemon);
char          *avd_test_daemon_read_log (AvdTestDaemon      *daemon);
char          *avd_test_daemon_issue_license  (AvdTestDaemon *daemon,
                                               const char    *tier,
                                               const char    *user);
char          *avd_test_daemon_issue_license_full (AvdTestDaemon *daemon,
                                                   const char    *tier,
                                                   const char    *user,
                                                   const char    *expires);
void           avd_test_daemon_revoke_license (AvdTestDaemon *daemon,
                                               const char    *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTestDaemon, avd_test_daemon_free)

G_END_DECLS
