/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "avd-test-daemon.h"
#include "avd-test-ws.h"

G_BEGIN_DECLS

#define AVD_DBUS_NAME "org.avanue.Avanued1"
#define AVD_DBUS_PATH "/org/avanue/Avanued1"
#define AVD_DBUS_IFACE "org.avanue.Avanued1"
#define AVD_DBUS_ERROR_PREFIX "org.avanue.Avanued1.Error."

/* Configuration for every daemon of the D-Bus tests: loose rate limits
 * (tests send bursts), a known TURN secret and URLs, and the default
 * licence cache of 300 s, so that a session ending at once on RevokeLicense
 * cannot be the periodic check.  The embedded relay is off so that the
 * ICE servers handed out are exactly the configured ones. */
#define DBUS_TEST_SECRET "dbustest-secret"
#define DBUS_TEST_CONFIG \
  "[limits]\n" \
  "messages-per-second=1000\n" \
  "message-burst=1000\n" \
  "ip-messages-per-second=10000\n" \
  "ip-message-burst=10000\n" \
  "license-cache-seconds=300\n" \
  "[ice]\n" \
  "stun-urls=stun:127.0.0.1:3478\n" \
  "turn-servers=turn:127.0.0.1:3478?transport=udp\n" \
  "[turn]\n" \
  "enabled=false\n" \
  "secrets=" DBUS_TEST_SECRET "\n" \
  "credential-ttl-seconds=600\n"

/* A private dbus-daemon in a temporary directory, reachable by every user
 * (so that a test can call it as `nobody`), optionally with bus policy
 * files included.  Its address is exported as DBUS_SESSION_BUS_ADDRESS,
 * which avanued --session-bus and avanuectl --session then use. */
typedef struct {
  GSubprocess *process;
  char *dir;
  char *address;
} DbusTestBus;

DbusTestBus     *dbus_test_bus_start         (const char * const *include_files);
void             dbus_test_bus_free          (DbusTestBus        *bus);
GDBusConnection *dbus_test_bus_connect       (DbusTestBus        *bus);
void             dbus_test_wait_name         (GDBusConnection    *connection,
                                              gboolean            owned);
char            *dbus_test_source_path       (const char         *relative);

/* avanued on the test bus (--session-bus). */
AvdTestDaemon   *dbus_test_daemon_start      (const char         *extra_config);

/* Signaling clients. */
AvdTestWs       *dbus_test_client            (AvdTestDaemon      *daemon,
                                              const char         *name);
AvdTestWs       *dbus_test_reconnect         (AvdTestDaemon      *daemon,
                                              AvdTestWs          *old,
                                              const char         *name);
JsonObject      *dbus_test_register_refused  (AvdTestWs          *ws,
                                              AvanueIdentity     *identity,
                                              const char         *device_name);
JsonObject      *dbus_test_create            (AvdTestWs          *host,
                                              const char         *license);
JsonObject      *dbus_test_join              (AvdTestWs          *guest,
                                              const char         *code);
void             dbus_test_expect_not_in_session (AvdTestWs      *ws,
                                              const char         *session_id,
                                              const char         *to);

/* Whether @name's TURN password is base64 (HMAC-SHA1 (secret, username)). */
gboolean         dbus_test_turn_password_ok  (const char         *username,
                                              const char         *password);

gboolean         dbus_test_can_run_as_nobody (char              **out_reason);
gboolean         dbus_test_skip_without_bus  (void);
void             dbus_test_rm_dir            (const char         *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DbusTestBus, dbus_test_bus_free)

G_END_DECLS
