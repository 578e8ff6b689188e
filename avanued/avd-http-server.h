/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "avd-config.h"

G_BEGIN_DECLS

#define AVD_TYPE_HTTP_SERVER (avd_http_server_get_type ())
G_DECLARE_FINAL_TYPE (AvdHttpServer, avd_http_server, AVD, HTTP_SERVER, GObject)

AvdHttpServer *avd_http_server_new         (AvdConfig      *config);
gboolean       avd_http_server_start       (AvdHttpServer  *self,
                                            GError        **error);
void           avd_http_server_stop        (AvdHttpServer  *self);
guint          avd_http_server_get_port    (AvdHttpServer  *self);
gboolean       avd_http_server_get_tls     (AvdHttpServer  *self);
SoupServer    *avd_http_server_get_soup    (AvdHttpServer  *self);
gboolean       avd_http_server_reload_tls  (AvdHttpServer  *self,
                                            gboolean       *out_restart_needed,
                                            GError        **error);

/* A part's health for GET /health: "ok", "disabled" (not a failure), or
 * anything else, which makes the answer 503 "degraded". */
typedef char *(*AvdHealthCheck) (gpointer user_data);

void           avd_http_server_add_check   (AvdHttpServer  *self,
                                            const char     *name,
                                            AvdHealthCheck  check,
                                            gpointer        user_data);

void           avd_http_server_send_json   (SoupServerMessage *msg,
                                            guint              status,
                                            JsonNode          *body);
void           avd_http_server_send_error  (SoupServerMessage *msg,
                                            guint              status,
                                            const char        *code,
                                            const char        *message);

G_END_DECLS
