/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "avanue.h"
#include "avd-test-daemon.h"

G_BEGIN_DECLS

/* A raw signaling client for integration tests: one libsoup WebSocket on
 * ws://127.0.0.1:PORT/v1/signal.  Every message the server sends is
 * checked against the protocol's server → client schema and queued;
 * the expect functions take from that queue, pumping the default main
 * context for up to AVD_TEST_WS_TIMEOUT_MS, and fail the test (never hang)
 * when nothing suitable arrives. */
typedef struct _AvdTestWs AvdTestWs;

#define AVD_TEST_WS_TIMEOUT_MS 8000

AvdTestWs      *avd_test_ws_open             (AvdTestDaemon *daemon,
                                              const char    *origin);
AvdTestWs      *avd_test_ws_connect          (AvdTestDaemon *daemon,
                                              const char    *origin);
guint           avd_test_ws_connect_refused  (AvdTestDaemon *daemon,
                                              const char    *origin);
void            avd_test_ws_free             (AvdTestWs     *ws);

JsonObject     *avd_test_ws_get_connected    (AvdTestWs     *ws);
const char     *avd_test_ws_get_nonce        (AvdTestWs     *ws);
const char     *avd_test_ws_get_fingerprint  (AvdTestWs     *ws);
AvanueIdentity *avd_test_ws_get_identity     (AvdTestWs     *ws);

AvanueIdentity *avd_test_ws_register         (AvdTestWs      *ws,
                                              AvanueIdentity *identity,
                                              const char     *device_name);
char           *avd_test_ws_next_id          (AvdTestWs     *ws);

void            avd_test_ws_send             (AvdTestWs     *ws,
                                              JsonObject    *message);
void            avd_test_ws_send_text        (AvdTestWs     *ws,
                                              const char    *text);
void            avd_test_ws_send_binary      (AvdTestWs     *ws,
                                              const void    *data,
                                              gsize          len);

JsonObject     *avd_test_ws_expect           (AvdTestWs     *ws,
                                              const char    *type);
JsonObject     *avd_test_ws_expect_re        (AvdTestWs     *ws,
                                              const char    *type,
                                              const char    *re);
JsonObject     *avd_test_ws_expect_error     (AvdTestWs     *ws,
                                              const char    *code,
                                              const char    *re);
JsonObject     *avd_test_ws_find             (AvdTestWs     *ws,
                                              const char    *type);
JsonObject     *avd_test_ws_request          (AvdTestWs     *ws,
                                              JsonObject    *message,
                                              const char    *reply_type);
void            avd_test_ws_sync             (AvdTestWs     *ws);
void            avd_test_ws_drain            (AvdTestWs     *ws);
void            avd_test_ws_expect_nothing   (AvdTestWs     *ws,
                                              guint          window_ms);
JsonObject     *avd_test_ws_next             (AvdTestWs     *ws,
                                              guint          timeout_ms);
guint           avd_test_ws_n_queued         (AvdTestWs     *ws);
gushort         avd_test_ws_wait_closed      (AvdTestWs     *ws);
gboolean        avd_test_ws_is_open          (AvdTestWs     *ws);
void            avd_test_ws_close            (AvdTestWs     *ws);

gushort         avd_test_ws_raw_close_code   (AvdTestDaemon *daemon,
                                              guint8         opcode,
                                              const void    *payload,
                                              gsize          len);

void            avd_test_silence_debug       (void);
SoupSession    *avd_test_soup_session_new    (void);

const char     *avd_test_json_string         (JsonObject    *object,
                                              const char    *member);
JsonObject     *avd_test_json_parse          (const char    *text);
JsonObject     *avd_test_json_printf         (const char    *format,
                                              ...) G_GNUC_PRINTF (1, 2);
char           *avd_test_caps_text           (guint          cpu_cores,
                                              guint          ram_mb,
                                              gboolean       is_charging,
                                              int            battery_percent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdTestWs, avd_test_ws_free)

/* A UDP Allocate with long-term credentials on avanued's relay (the 401
 * round first).  Returns the final answer's class; *out_code gets an error
 * response's code. */
AvanueStunClass avd_test_turn_allocate       (GSocket        *socket,
                                              GSocketAddress *relay,
                                              const char     *username,
                                              const char     *password,
                                              guint          *out_code);

G_END_DECLS
