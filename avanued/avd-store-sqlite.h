/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "avd-store.h"

G_BEGIN_DECLS

#define AVD_TYPE_STORE_SQLITE (avd_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (AvdStoreSqlite, avd_store_sqlite, AVD, STORE_SQLITE, AvdStore)

AvdStore   *avd_store_sqlite_new       (const char     *path);
const char *avd_store_sqlite_get_path  (AvdStoreSqlite *self);

G_END_DECLS
