/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AvdHttpServer: avanued's HTTP listener (libsoup-3).
 *
 * One SoupServer on every configured address and one port.  It serves
 * GET /health itself; the signaling service adds its WebSocket and API
 * handlers to the same SoupServer.  Every answer, errors included, is JSON. */
#define G_LOG_DOMAIN "AvdHttp"

#include "config.h"

#include <json-glib/json-glib.h>

#include "avd-http-server.h"

struct _AvdHttpServer
{
  GObject parent_instance;

  AvdConfig *config;
  SoupServer *soup;
  GDateTime *started;
  guint port;
  gboolean tls;
  GPtrArray *checks;            /* HealthCheck */
};

typedef struct {
  char *name;
  AvdHealthCheck check;
  gpointer user_data;
} HealthCheck;

static void
health_check_free (gpointer data)
{
  HealthCheck *c = data;

  g_free (c->name);
  g_free (c);
}

G_DEFINE_FINAL_TYPE (AvdHttpServer, avd_http_server, G_TYPE_OBJECT)

static void
avd_http_server_dispose (GObject *object)
{
  AvdHttpServer *self = AVD_HTTP_SERVER (object);

  avd_http_server_stop (self);
  g_clear_object (&self->soup);
  g_clear_object (&self->config);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);

  G_OBJECT_CLASS (avd_http_server_parent_class)->dispose (object);
}

static void
avd_http_server_class_init (AvdHttpServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = avd_http_server_dispose;
}

static void
avd_http_server_init (AvdHttpServer *self)
{
  self->checks = g_ptr_array_new_with_free_func (health_check_free);
}

void
avd_http_server_add_check (AvdHttpServer  *self,
                           const char     *name,
                           AvdHealthCheck  check,
                           gpointer        user_data)
{
  HealthCheck *c = g_new0 (HealthCheck, 1);

  c->name = g_strdup (name);
  c->check = check;
  c->user_data = user_data;
  g_ptr_array_add (self->checks, c);
}

void
avd_http_server_send_json (SoupServerMessage *msg,
                           guint              status,
                           JsonNode          *body)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  gsize len;

  json_generator_set_root (generator, body);
  text = json_generator_to_data (generator, &len);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

void
avd_http_server_send_error (SoupServerMessage *msg,
                            guint              status,
                            const char        *code,
                            const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  avd_http_server_send_json (msg, status, root);
}

/* GET /health: the status of every part (DESIGN §8), 200 when every enabled
 * part answers and 503 otherwise.  A part that is not enabled is "disabled",
 * which is not a failure. */
static void
health_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  AvdHttpServer *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *timestamp = NULL;
  const char *method = soup_server_message_get_method (msg);
  gboolean healthy = TRUE;

  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "GET, HEAD");
      avd_http_server_send_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                  "METHOD_NOT_ALLOWED", "Use GET");
      return;
    }

  timestamp = g_date_time_format_iso8601 (now);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "checks");
  json_builder_begin_object (builder);
  for (const char * const *part = (const char * const[]) { "store", "state", "turn", NULL }; *part != NULL; part++)
    {
      g_autofree char *value = NULL;

      for (guint i = 0; i < self->checks->len && value == NULL; i++)
        {
          HealthCheck *c = g_ptr_array_index (self->checks, i);

          if (g_str_equal (c->name, *part))
            value = c->check (c->user_data);
        }
      if (value == NULL)
        value = g_strdup ("disabled");
      if (!g_str_equal (value, "ok") && !g_str_equal (value, "disabled"))
        healthy = FALSE;
      json_builder_set_member_name (builder, *part);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, healthy ? "ok" : "degraded");
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_string_value (builder, timestamp);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "uptimeSeconds");
  json_builder_add_int_value (builder, g_date_time_difference (now, self->started) / G_TIME_SPAN_SECOND);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  avd_http_server_send_json (msg, healthy ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE, root);
}

static void
not_found_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  avd_http_server_send_error (msg, SOUP_STATUS_NOT_FOUND, "NOT_FOUND", "No such resource");
}

AvdHttpServer *
avd_http_server_new (AvdConfig *config)
{
  AvdHttpServer *self = g_object_new (AVD_TYPE_HTTP_SERVER, NULL);

  self->config = g_object_ref (config);
  self->soup = soup_server_new ("server-header", "avanued/" PACKAGE_VERSION, NULL);
  self->started = g_date_time_new_now_utc ();
  soup_server_add_handler (self->soup, NULL, not_found_cb, self, NULL);
  soup_server_add_handler (self->soup, "/health", health_cb, self, NULL);
  return self;
}

/* Binds every address of [server] listen on [server] port.  With port 0 the
 * first address picks a free port and the others use the same one. */
gboolean
avd_http_server_start (AvdHttpServer  *self,
                       GError        **error)
{
  g_auto(GStrv) addresses = avd_config_get_list (self->config, "server", "listen");
  int port = avd_config_get_int (self->config, "server", "port");
  g_autofree char *cert_path = avd_config_get_string (self->config, "server", "tls-certificate");
  g_autofree char *key_path = avd_config_get_string (self->config, "server", "tls-key");
  SoupServerListenOptions options = 0;

  g_return_val_if_fail (AVD_IS_HTTP_SERVER (self), FALSE);

  if (port < 0 || port > 65535)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "[server] port %d is not a port number", port);
      return FALSE;
    }
  if (addresses[0] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "[server] listen names no address");
      return FALSE;
    }

  if (*cert_path != '\0' || *key_path != '\0')
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      if (*cert_path == '\0' || *key_path == '\0')
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "[server] tls-certificate and tls-key go together");
          return FALSE;
        }
      certificate = g_tls_certificate_new_from_files (cert_path, key_path, error);
      if (certificate == NULL)
        {
          g_prefix_error (error, "Cannot load the TLS certificate: ");
          return FALSE;
        }
      soup_server_set_tls_certificate (self->soup, certificate);
      options |= SOUP_SERVER_LISTEN_HTTPS;
      self->tls = TRUE;
    }

  for (gsize i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (addresses[i]);
      g_autoptr(GSocketAddress) address = NULL;
      GSList *uris;

      if (inet == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "[server] listen: ‘%s’ is not an IP address", addresses[i]);
          return FALSE;
        }
      address = g_inet_socket_address_new (inet, (guint16) port);
      if (!soup_server_listen (self->soup, address, options, error))
        {
          g_prefix_error (error, "Cannot listen on %s port %d: ", addresses[i], port);
          return FALSE;
        }
      if (port == 0)
        {
          uris = soup_server_get_uris (self->soup);
          port = uris != NULL ? g_uri_get_port (uris->data) : 0;
          g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
        }
    }
  self->port = (guint) port;
  return TRUE;
}

void
avd_http_server_stop (AvdHttpServer *self)
{
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
}

guint
avd_http_server_get_port (AvdHttpServer *self)
{
  return self->port;
}

SoupServer *
avd_http_server_get_soup (AvdHttpServer *self)
{
  return self->soup;
}

gboolean
avd_http_server_get_tls (AvdHttpServer *self)
{
  return self->tls;
}

/* Loads [server] tls-certificate and tls-key again (renewed files) and
 * uses them for new handshakes; open connections keep theirs.  Turning
 * TLS on or off needs a restart: *@out_restart_needed says so.  On
 * failure the old certificate stays. */
gboolean
avd_http_server_reload_tls (AvdHttpServer  *self,
                            gboolean       *out_restart_needed,
                            GError        **error)
{
  g_autofree char *cert_path = avd_config_get_string (self->config, "server", "tls-certificate");
  g_autofree char *key_path = avd_config_get_string (self->config, "server", "tls-key");
  gboolean want_tls = *cert_path != '\0' || *key_path != '\0';
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_return_val_if_fail (AVD_IS_HTTP_SERVER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_restart_needed = want_tls != self->tls;
  if (!want_tls || !self->tls)
    return TRUE;
  if (*cert_path == '\0' || *key_path == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "[server] tls-certificate and tls-key go together");
      return FALSE;
    }
  certificate = g_tls_certificate_new_from_files (cert_path, key_path, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "Cannot load the TLS certificate: ");
      return FALSE;
    }
  soup_server_set_tls_certificate (self->soup, certificate);
  g_message ("TLS certificate reloaded");
  return TRUE;
}
