/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "avanue.h"
#include "avd-rate-limiter.h"

G_BEGIN_DECLS

#define AVD_TYPE_CONNECTION (avd_connection_get_type ())
G_DECLARE_FINAL_TYPE (AvdConnection, avd_connection, AVD, CONNECTION, GObject)

AvdConnection *avd_connection_new               (SoupWebsocketConnection *ws,
                                                 const char              *ip,
                                                 double                   rate,
                                                 double                   burst);
const char    *avd_connection_get_client_id     (AvdConnection  *self);
const char    *avd_connection_get_ip            (AvdConnection  *self);
const char    *avd_connection_get_nonce         (AvdConnection  *self);
SoupWebsocketConnection *avd_connection_get_websocket (AvdConnection *self);

/* Set once REGISTER_DEVICE succeeded. */
const char    *avd_connection_get_fingerprint   (AvdConnection  *self);
const char    *avd_connection_get_device_name   (AvdConnection  *self);
const char    *avd_connection_get_platform      (AvdConnection  *self);
const char    *avd_connection_get_device_type   (AvdConnection  *self);
void           avd_connection_set_device        (AvdConnection  *self,
                                                 const char     *fingerprint,
                                                 const char     *device_name,
                                                 const char     *platform,
                                                 const char     *device_type);
guint          avd_connection_register_failed   (AvdConnection  *self);

gboolean       avd_connection_take_token        (AvdConnection  *self,
                                                 gint64          now_us);
guint          avd_connection_strike            (AvdConnection  *self,
                                                 gint64          now_us);

gboolean       avd_connection_is_open           (AvdConnection  *self);
void           avd_connection_send              (AvdConnection  *self,
                                                 JsonObject     *message);
void           avd_connection_send_error        (AvdConnection  *self,
                                                 AvanueProtocolError code,
                                                 const char     *message,
                                                 const char     *re);
void           avd_connection_close             (AvdConnection  *self,
                                                 gushort         code,
                                                 const char     *reason);

G_END_DECLS
