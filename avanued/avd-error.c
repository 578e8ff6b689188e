/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdError: the administration API's error domain, registered with GDBus
 * so that each code travels as org.avanue.Avanued1.Error.NAME and comes
 * back as the same GError in a GDBus client that registered it too. */
#include "config.h"

#include "avd-error.h"

static const GDBusErrorEntry error_entries[] = {
  { AVD_ERROR_FAILED, AVD_DBUS_ERROR_PREFIX "Failed" },
  { AVD_ERROR_SESSION_NOT_FOUND, AVD_DBUS_ERROR_PREFIX "SessionNotFound" },
  { AVD_ERROR_DEVICE_NOT_FOUND, AVD_DBUS_ERROR_PREFIX "DeviceNotFound" },
  { AVD_ERROR_LICENSE_NOT_FOUND, AVD_DBUS_ERROR_PREFIX "LicenseNotFound" },
  { AVD_ERROR_INVALID_ARGUMENT, AVD_DBUS_ERROR_PREFIX "InvalidArgument" },
  { AVD_ERROR_PERMISSION_DENIED, AVD_DBUS_ERROR_PREFIX "PermissionDenied" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == AVD_ERROR_N_CODES);

GQuark
avd_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("avd-error-quark", &quark,
                                      error_entries, G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}
