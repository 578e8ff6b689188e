/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* AvdStateBackend: ephemeral, shared state with time-to-live, in the shape
 * of the seed's Redis keys (signaling:invite:{code}, signaling:license:
 * {hash}:cache, signaling:device:{fp}:caps, signaling:session:{id}, …).
 * The local backend keeps it in process; a Redis backend implements the
 * same calls so that several nodes share one view.  A TTL of 0 means no
 * expiry. */
#define AVD_TYPE_STATE_BACKEND (avd_state_backend_get_type ())
G_DECLARE_DERIVABLE_TYPE (AvdStateBackend, avd_state_backend, AVD, STATE_BACKEND, GObject)

struct _AvdStateBackendClass
{
  GObjectClass parent_class;

  gboolean (*set)    (AvdStateBackend  *self,
                      const char       *key,
                      const char       *value,
                      guint             ttl_seconds,
                      gboolean          only_if_absent,
                      GError          **error);
  char    *(*get)    (AvdStateBackend  *self,
                      const char       *key,
                      GError          **error);
  gboolean (*delete) (AvdStateBackend  *self,
                      const char       *key,
                      GError          **error);
  gint64   (*incr)   (AvdStateBackend  *self,
                      const char       *key,
                      gint64            delta,
                      guint             ttl_seconds,
                      GError          **error);
  gboolean (*check)  (AvdStateBackend  *self,
                      GError          **error);
  const char *(*get_name) (AvdStateBackend *self);
};

gboolean    avd_state_backend_set       (AvdStateBackend  *self,
                                         const char       *key,
                                         const char       *value,
                                         guint             ttl_seconds,
                                         GError          **error);
gboolean    avd_state_backend_set_nx    (AvdStateBackend  *self,
                                         const char       *key,
                                         const char       *value,
                                         guint             ttl_seconds,
                                         gboolean         *out_stored,
                                         GError          **error);
char       *avd_state_backend_get       (AvdStateBackend  *self,
                                         const char       *key,
                                         GError          **error);
gboolean    avd_state_backend_delete    (AvdStateBackend  *self,
                                         const char       *key,
                                         GError          **error);
gint64      avd_state_backend_incr      (AvdStateBackend  *self,
                                         const char       *key,
                                         gint64            delta,
                                         guint             ttl_seconds,
                                         GError          **error);
gboolean    avd_state_backend_check     (AvdStateBackend  *self,
                                         GError          **error);
const char *avd_state_backend_get_name  (AvdStateBackend  *self);

#define AVD_TYPE_STATE_LOCAL (avd_state_local_get_type ())
G_DECLARE_FINAL_TYPE (AvdStateLocal, avd_state_local, AVD, STATE_LOCAL, AvdStateBackend)

AvdStateBackend *avd_state_local_new (void);

G_END_DECLS
