/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avd-config.h"
#include "avd-store.h"

G_BEGIN_DECLS

#define AVD_TYPE_ENGINE (avd_engine_get_type ())
G_DECLARE_FINAL_TYPE (AvdEngine, avd_engine, AVD, ENGINE, GObject)

AvdEngine *avd_engine_new            (AvdConfig   *config,
                                      const char  *state_dir);
gboolean   avd_engine_start          (AvdEngine   *self,
                                      GError     **error);
void       avd_engine_stop           (AvdEngine   *self);
guint      avd_engine_get_http_port  (AvdEngine   *self);
guint      avd_engine_get_turn_port  (AvdEngine   *self);

AvdStore  *avd_engine_open_store     (AvdConfig   *config,
                                      const char  *state_dir,
                                      GError     **error);

G_END_DECLS
