/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "avd-engine.h"

G_BEGIN_DECLS

#define AVD_DBUS_NAME "org.avanue.Avanued1"
#define AVD_DBUS_PATH "/org/avanue/Avanued1"
/* Members of this group may call the mutating methods (besides root and
 * the daemon's own user). */
#define AVD_DBUS_ADMIN_GROUP "avanue-admin"

#define AVD_TYPE_DBUS_SERVICE (avd_dbus_service_get_type ())
G_DECLARE_FINAL_TYPE (AvdDbusService, avd_dbus_service, AVD, DBUS_SERVICE, GObject)

AvdDbusService  *avd_dbus_service_new            (AvdEngine       *engine);
gboolean         avd_dbus_service_start          (AvdDbusService  *self,
                                                  GBusType         bus_type,
                                                  GError         **error);
void             avd_dbus_service_stop           (AvdDbusService  *self);
GDBusConnection *avd_dbus_service_get_connection (AvdDbusService  *self);

gboolean         avd_dbus_caller_is_authorized   (uid_t            uid,
                                                  uid_t            daemon_uid,
                                                  const char      *admin_group);

G_END_DECLS
