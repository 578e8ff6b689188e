/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avd-config.h"
#include "avd-state-backend.h"
#include "avd-store.h"

G_BEGIN_DECLS

/* A licence tier's limits (DESIGN §6), read from [tier.NAME]. */
typedef struct {
  const char *name;             /* free, pro, business, enterprise */
  guint max_peers;              /* 0 = unlimited */
  gboolean turn;
  guint max_duration_seconds;   /* 0 = unlimited */
  gint64 turn_quota_bytes;      /* per month; 0 = unlimited (when turn) */
} AvdTier;

/* What a valid licence grants. */
typedef struct {
  char *id;
  char *key_hash;
  char *user;
  const AvdTier *tier;
  gint64 expires_at;            /* unix seconds, 0 = never */
} AvdLicense;

void avd_license_free (AvdLicense *license);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AvdLicense, avd_license_free)

#define AVD_TYPE_LICENSE_SERVICE (avd_license_service_get_type ())
G_DECLARE_FINAL_TYPE (AvdLicenseService, avd_license_service, AVD, LICENSE_SERVICE, GObject)

AvdLicenseService *avd_license_service_new           (AvdConfig          *config,
                                                      AvdStore           *store,
                                                      AvdStateBackend    *state);
const AvdTier     *avd_license_service_get_tier      (AvdLicenseService  *self,
                                                      const char         *name);
gboolean           avd_license_service_allow_anonymous (AvdLicenseService *self);
guint              avd_license_service_get_cache_seconds (AvdLicenseService *self);
char              *avd_license_service_issue         (AvdLicenseService  *self,
                                                      const char         *tier,
                                                      const char         *user,
                                                      gint64              expires_at,
                                                      GError            **error);
AvdLicense        *avd_license_service_validate      (AvdLicenseService  *self,
                                                      const char         *key,
                                                      GError            **error);
AvdLicense        *avd_license_service_revalidate    (AvdLicenseService  *self,
                                                      const char         *key_hash,
                                                      GError            **error);
AvdLicenseRecord  *avd_license_service_find          (AvdLicenseService  *self,
                                                      const char         *key_or_id,
                                                      GError            **error);
gboolean           avd_license_service_revoke        (AvdLicenseService  *self,
                                                      const char         *key_or_id,
                                                      GError            **error);
void               avd_license_service_reload_config (AvdLicenseService  *self,
                                                      AvdConfig          *config);

char              *avd_license_hash_key              (const char         *key);
gboolean           avd_license_key_is_well_formed    (const char         *key);

G_END_DECLS
