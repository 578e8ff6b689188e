/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define AVD_TYPE_CONFIG (avd_config_get_type ())
G_DECLARE_FINAL_TYPE (AvdConfig, avd_config, AVD, CONFIG, GObject)

AvdConfig   *avd_config_new             (void);
gboolean     avd_config_load_file       (AvdConfig   *self,
                                         const char  *path,
                                         GError     **error);
const char  *avd_config_get_path        (AvdConfig   *self);

char        *avd_config_get_string      (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key);
gint64       avd_config_get_int64       (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key);
int          avd_config_get_int         (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key);
gboolean     avd_config_get_boolean     (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key);
GStrv        avd_config_get_list        (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key);
void         avd_config_set_string      (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key,
                                         const char  *value);
void         avd_config_set_int         (AvdConfig   *self,
                                         const char  *group,
                                         const char  *key,
                                         int          value);

G_END_DECLS
