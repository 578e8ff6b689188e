/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AVD_ERROR (avd_error_quark ())

/**
 * AvdError:
 * @AVD_ERROR_FAILED: anything else (the store, a certificate, …);
 *   `org.avanue.Avanued1.Error.Failed`
 * @AVD_ERROR_SESSION_NOT_FOUND: no live session has this id;
 *   `org.avanue.Avanued1.Error.SessionNotFound`
 * @AVD_ERROR_DEVICE_NOT_FOUND: no such device, or not a member of the
 *   session; `org.avanue.Avanued1.Error.DeviceNotFound`
 * @AVD_ERROR_LICENSE_NOT_FOUND: no licence with this key or id;
 *   `org.avanue.Avanued1.Error.LicenseNotFound`
 * @AVD_ERROR_INVALID_ARGUMENT: a malformed argument;
 *   `org.avanue.Avanued1.Error.InvalidArgument`
 * @AVD_ERROR_PERMISSION_DENIED: the caller may not do this;
 *   `org.avanue.Avanued1.Error.PermissionDenied`
 *
 * The errors of avanued's administration API (the engine's admin hooks and
 * the D-Bus service).  Each code is registered as a D-Bus error name, so
 * that avanuectl and Python see the name rather than a generic failure.
 */
typedef enum {
  AVD_ERROR_FAILED,
  AVD_ERROR_SESSION_NOT_FOUND,
  AVD_ERROR_DEVICE_NOT_FOUND,
  AVD_ERROR_LICENSE_NOT_FOUND,
  AVD_ERROR_INVALID_ARGUMENT,
  AVD_ERROR_PERMISSION_DENIED,
} AvdError;

#define AVD_ERROR_N_CODES (AVD_ERROR_PERMISSION_DENIED + 1)
#define AVD_DBUS_ERROR_PREFIX "org.avanue.Avanued1.Error."

GQuark avd_error_quark (void);

G_END_DECLS
