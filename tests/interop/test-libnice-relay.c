/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interop: two libnice agents that may only use relayed candidates
 * (force-relay) connect to each other through a TURN server and exchange
 * datagrams both ways.  libnice is the TURN client here, not our code, so
 * this checks the relay against a client nobody in this project wrote.
 *
 * The server is given on the command line or in the environment
 * (TURN_HOST, TURN_PORT, TURN_USERNAME, TURN_PASSWORD, TURN_TRANSPORT=udp|tcp);
 * tests/interop/interop.py starts the server and runs this program.  Exit
 * status: 0 when both agents reached READY over a relayed pair and every
 * datagram arrived intact, 1 on any failure (with the reason on stderr),
 * 2 on a usage error. */

#include <nice/agent.h>
#include <nice/nice-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_MESSAGES 40
#define BIG_SIZE 1200
#define TIMEOUT_SECONDS 30

typedef struct _Peer Peer;

struct _Peer
{
  const char *name;
  NiceAgent *agent;
  guint stream_id;
  gboolean gathered;
  NiceComponentState state;
  gboolean selected_relayed;
  Peer *other;

  /* which of the other side's messages arrived, and how often */
  guint received[N_MESSAGES];
  guint n_received;
  gboolean big_received;
  guint n_garbled;
  gboolean closed;
};

static GMainLoop *loop;
static gboolean timed_out;

static gboolean
timeout_cb (gpointer user_data)
{
  timed_out = TRUE;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Runs the loop until @done says so or the overall deadline passes. */
static gboolean
run_until (gboolean (*done) (Peer *, Peer *),
           Peer     *a,
           Peer     *b)
{
  while (!done (a, b) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  return !timed_out;
}

static void
gathering_done_cb (NiceAgent *agent,
                   guint      stream_id,
                   gpointer   user_data)
{
  Peer *peer = user_data;

  peer->gathered = TRUE;
}

static void
component_state_changed_cb (NiceAgent *agent,
                            guint      stream_id,
                            guint      component_id,
                            guint      state,
                            gpointer   user_data)
{
  Peer *peer = user_data;

  g_printerr ("# %s: component %u -> %s\n", peer->name, component_id,
              nice_component_state_to_string (state));
  peer->state = state;
}

static void
new_selected_pair_cb (NiceAgent     *agent,
                      guint          stream_id,
                      guint          component_id,
                      NiceCandidate *local,
                      NiceCandidate *remote,
                      gpointer       user_data)
{
  Peer *peer = user_data;
  char local_ip[NICE_ADDRESS_STRING_LEN];
  char remote_ip[NICE_ADDRESS_STRING_LEN];

  nice_address_to_string (&local->addr, local_ip);
  nice_address_to_string (&remote->addr, remote_ip);
  g_printerr ("# %s: selected pair %s %s:%u <-> %s %s:%u\n", peer->name,
              nice_candidate_type_to_string (local->type), local_ip, nice_address_get_port (&local->addr),
              nice_candidate_type_to_string (remote->type), remote_ip, nice_address_get_port (&remote->addr));
  peer->selected_relayed = local->type == NICE_CANDIDATE_TYPE_RELAYED &&
                           remote->type == NICE_CANDIDATE_TYPE_RELAYED;
}

static void
fill_big (guint8 *buf,
          char    tag)
{
  for (gsize i = 0; i < BIG_SIZE; i++)
    buf[i] = (guint8) (tag + i * 7);
}

/* Messages are "<sender name> <index>" or a BIG_SIZE buffer whose
 * pattern depends on the sender. */
static void
recv_cb (NiceAgent *agent,
         guint      stream_id,
         guint      component_id,
         guint      len,
         char      *buf,
         gpointer   user_data)
{
  Peer *peer = user_data;
  g_autofree char *prefix = g_strdup_printf ("%s ", peer->other->name);
  g_autofree char *text = NULL;
  guint64 index;
  char *end;

  if (len == BIG_SIZE)
    {
      guint8 expected[BIG_SIZE];

      fill_big (expected, peer->other->name[0]);
      if (memcmp (buf, expected, BIG_SIZE) == 0)
        peer->big_received = TRUE;
      else
        peer->n_garbled++;
      return;
    }

  text = g_strndup (buf, len);
  if (!g_str_has_prefix (text, prefix))
    {
      peer->n_garbled++;
      return;
    }
  index = g_ascii_strtoull (text + strlen (prefix), &end, 10);
  if (*end != '\0' || index >= N_MESSAGES)
    {
      peer->n_garbled++;
      return;
    }
  if (peer->received[index]++ == 0)
    peer->n_received++;
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Peer *peer = user_data;

  peer->closed = TRUE;
}

static gboolean
both_closed (Peer *a,
             Peer *b)
{
  return a->closed && b->closed;
}

static gboolean
both_gathered (Peer *a,
               Peer *b)
{
  return a->gathered && b->gathered;
}

static gboolean
both_ready (Peer *a,
            Peer *b)
{
  return (a->state == NICE_COMPONENT_STATE_READY || a->state == NICE_COMPONENT_STATE_FAILED) &&
         (b->state == NICE_COMPONENT_STATE_READY || b->state == NICE_COMPONENT_STATE_FAILED);
}

static gboolean
both_received (Peer *a,
               Peer *b)
{
  return a->n_received == N_MESSAGES && a->big_received &&
         b->n_received == N_MESSAGES && b->big_received;
}

static gboolean
setup_peer (Peer           *peer,
            const char     *name,
            gboolean        controlling,
            const char     *host,
            guint           port,
            const char     *username,
            const char     *password,
            NiceRelayType   relay_type)
{
  NiceAddress local;

  peer->name = name;
  peer->state = NICE_COMPONENT_STATE_DISCONNECTED;
  /* Not reliable: plain datagrams over the ICE pair. */
  peer->agent = nice_agent_new_full (NULL, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_NONE);
  g_object_set (peer->agent,
                "controlling-mode", controlling,
                "force-relay", TRUE,
                "ice-udp", TRUE,
                "ice-tcp", FALSE,
                "upnp", FALSE,
                NULL);
  /* Loopback only: the machine may have other interfaces. */
  nice_address_init (&local);
  if (!nice_address_set_from_string (&local, "127.0.0.1") ||
      !nice_agent_add_local_address (peer->agent, &local))
    {
      g_printerr ("%s: cannot add the loopback address\n", name);
      return FALSE;
    }
  g_signal_connect (peer->agent, "candidate-gathering-done", G_CALLBACK (gathering_done_cb), peer);
  g_signal_connect (peer->agent, "component-state-changed", G_CALLBACK (component_state_changed_cb), peer);
  g_signal_connect (peer->agent, "new-selected-pair-full", G_CALLBACK (new_selected_pair_cb), peer);

  peer->stream_id = nice_agent_add_stream (peer->agent, 1);
  if (peer->stream_id == 0)
    {
      g_printerr ("%s: nice_agent_add_stream failed\n", name);
      return FALSE;
    }
  if (!nice_agent_set_relay_info (peer->agent, peer->stream_id, 1, host, port,
                                  username, password, relay_type))
    {
      g_printerr ("%s: nice_agent_set_relay_info refused %s:%u\n", name, host, port);
      return FALSE;
    }
  nice_agent_attach_recv (peer->agent, peer->stream_id, 1, NULL, recv_cb, peer);
  if (!nice_agent_gather_candidates (peer->agent, peer->stream_id))
    {
      g_printerr ("%s: nice_agent_gather_candidates failed\n", name);
      return FALSE;
    }
  return TRUE;
}

/* Hands @from's credentials and candidates to @to; every candidate must be
 * a relayed one (that is what force-relay promises). */
static gboolean
exchange (Peer *from,
          Peer *to)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  GSList *candidates;
  guint n = 0;
  gboolean ok = TRUE;

  if (!nice_agent_get_local_credentials (from->agent, from->stream_id, &ufrag, &pwd) ||
      !nice_agent_set_remote_credentials (to->agent, to->stream_id, ufrag, pwd))
    {
      g_printerr ("%s: cannot pass ICE credentials on\n", from->name);
      return FALSE;
    }
  candidates = nice_agent_get_local_candidates (from->agent, from->stream_id, 1);
  for (GSList *l = candidates; l != NULL; l = l->next)
    {
      NiceCandidate *c = l->data;
      char ip[NICE_ADDRESS_STRING_LEN];

      nice_address_to_string (&c->addr, ip);
      g_printerr ("# %s: local candidate %s %s %s:%u\n", from->name,
                  nice_candidate_type_to_string (c->type),
                  nice_candidate_transport_to_string (c->transport), ip, nice_address_get_port (&c->addr));
      if (c->type != NICE_CANDIDATE_TYPE_RELAYED)
        {
          g_printerr ("%s: a %s candidate despite force-relay\n", from->name,
                      nice_candidate_type_to_string (c->type));
          ok = FALSE;
        }
      n++;
    }
  if (n == 0)
    {
      g_printerr ("%s: no relayed candidate: the allocation failed\n", from->name);
      ok = FALSE;
    }
  else if (nice_agent_set_remote_candidates (to->agent, to->stream_id, 1, candidates) != (int) n)
    {
      g_printerr ("%s: the other agent did not take every candidate\n", to->name);
      ok = FALSE;
    }
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
  return ok;
}

static gboolean
send_all (Peer *peer)
{
  guint8 big[BIG_SIZE];

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u", peer->name, i);

      if (nice_agent_send (peer->agent, peer->stream_id, 1, strlen (text), text) != (int) strlen (text))
        {
          g_printerr ("%s: nice_agent_send failed on message %u\n", peer->name, i);
          return FALSE;
        }
      /* A little pacing, and let the loop deliver what arrives. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  fill_big (big, peer->name[0]);
  if (nice_agent_send (peer->agent, peer->stream_id, 1, BIG_SIZE, (const char *) big) != BIG_SIZE)
    {
      g_printerr ("%s: nice_agent_send failed on the %u-byte message\n", peer->name, BIG_SIZE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_received (Peer *peer)
{
  gboolean ok = TRUE;

  if (peer->n_received != N_MESSAGES)
    {
      GString *missing = g_string_new (NULL);

      for (guint i = 0; i < N_MESSAGES; i++)
        if (peer->received[i] == 0)
          g_string_append_printf (missing, " %u", i);
      g_printerr ("%s: received %u of %u messages from %s; missing:%s\n",
                  peer->name, peer->n_received, N_MESSAGES, peer->other->name, missing->str);
      g_string_free (missing, TRUE);
      ok = FALSE;
    }
  for (guint i = 0; i < N_MESSAGES; i++)
    if (peer->received[i] > 1)
      {
        g_printerr ("%s: message %u from %s arrived %u times\n", peer->name, i, peer->other->name,
                    peer->received[i]);
        ok = FALSE;
      }
  if (!peer->big_received)
    {
      g_printerr ("%s: the %u-byte message from %s did not arrive intact\n", peer->name, BIG_SIZE,
                  peer->other->name);
      ok = FALSE;
    }
  if (peer->n_garbled > 0)
    {
      g_printerr ("%s: %u garbled datagrams\n", peer->name, peer->n_garbled);
      ok = FALSE;
    }
  return ok;
}

static const char *
env_or (const char *value,
        const char *variable)
{
  return value != NULL ? value : g_getenv (variable);
}

int
main (int argc, char **argv)
{
  g_autofree char *host = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *transport = NULL;
  int port = 0;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "TURN server address (TURN_HOST)", "ADDR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "TURN server port (TURN_PORT)", "N" },
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, "TURN username (TURN_USERNAME)", "USER" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "TURN password (TURN_PASSWORD)", "PASS" },
    { "transport", 0, 0, G_OPTION_ARG_STRING, &transport, "udp or tcp to the server (TURN_TRANSPORT)", "T" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- two libnice agents through a TURN relay");
  g_autoptr(GError) error = NULL;
  const char *the_host;
  const char *the_username;
  const char *the_password;
  const char *the_transport;
  NiceRelayType relay_type;
  Peer a = { 0 };
  Peer b = { 0 };
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  the_host = env_or (host, "TURN_HOST");
  the_username = env_or (username, "TURN_USERNAME");
  the_password = env_or (password, "TURN_PASSWORD");
  the_transport = env_or (transport, "TURN_TRANSPORT");
  if (port == 0 && g_getenv ("TURN_PORT") != NULL)
    port = atoi (g_getenv ("TURN_PORT"));
  if (the_transport == NULL)
    the_transport = "udp";
  if (the_host == NULL || port <= 0 || port > 65535 || the_username == NULL || the_password == NULL)
    {
      g_printerr ("usage: %s --host ADDR --port N --username U --password P [--transport udp|tcp]\n"
                  "(or TURN_HOST, TURN_PORT, TURN_USERNAME, TURN_PASSWORD, TURN_TRANSPORT)\n",
                  argv[0]);
      return 2;
    }
  if (g_str_equal (the_transport, "udp"))
    relay_type = NICE_RELAY_TYPE_TURN_UDP;
  else if (g_str_equal (the_transport, "tcp"))
    relay_type = NICE_RELAY_TYPE_TURN_TCP;
  else
    {
      g_printerr ("unknown transport %s (udp or tcp)\n", the_transport);
      return 2;
    }

  g_printerr ("# libnice %d.%d.%d, TURN over %s to %s:%d\n", NICE_VERSION_MAJOR, NICE_VERSION_MINOR,
              NICE_VERSION_MICRO, the_transport, the_host, port);
  loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, NULL);

  a.other = &b;
  b.other = &a;
  if (!setup_peer (&a, "left", TRUE, the_host, port, the_username, the_password, relay_type) ||
      !setup_peer (&b, "right", FALSE, the_host, port, the_username, the_password, relay_type))
    return 1;

  if (!run_until (both_gathered, &a, &b))
    {
      g_printerr ("candidate gathering did not finish within %d s (left %s, right %s)\n", TIMEOUT_SECONDS,
                  a.gathered ? "done" : "pending", b.gathered ? "done" : "pending");
      return 1;
    }
  if (!exchange (&a, &b) || !exchange (&b, &a))
    return 1;

  if (!run_until (both_ready, &a, &b))
    {
      g_printerr ("ICE did not complete within %d s (left %s, right %s)\n", TIMEOUT_SECONDS,
                  nice_component_state_to_string (a.state), nice_component_state_to_string (b.state));
      return 1;
    }
  if (a.state != NICE_COMPONENT_STATE_READY || b.state != NICE_COMPONENT_STATE_READY)
    {
      g_printerr ("ICE failed (left %s, right %s)\n",
                  nice_component_state_to_string (a.state), nice_component_state_to_string (b.state));
      return 1;
    }
  if (!a.selected_relayed || !b.selected_relayed)
    {
      g_printerr ("the selected pair is not relayed on both ends (left %s, right %s)\n",
                  a.selected_relayed ? "relayed" : "not relayed", b.selected_relayed ? "relayed" : "not relayed");
      return 1;
    }

  if (!send_all (&a) || !send_all (&b))
    return 1;
  if (!run_until (both_received, &a, &b))
    g_printerr ("not everything arrived within %d s\n", TIMEOUT_SECONDS);
  ok = check_received (&a) && ok;
  ok = check_received (&b) && ok;

  /* Close properly: libnice deletes its allocations (Refresh, lifetime 0). */
  nice_agent_close_async (a.agent, closed_cb, &a);
  nice_agent_close_async (b.agent, closed_cb, &b);
  if (!run_until (both_closed, &a, &b))
    g_printerr ("# the agents did not close within %d s\n", TIMEOUT_SECONDS);
  g_object_unref (a.agent);
  g_object_unref (b.agent);
  g_main_loop_unref (loop);
  if (ok)
    g_print ("libnice agents connected relay-to-relay over TURN/%s and exchanged %u + 1 datagrams each way\n",
             the_transport, N_MESSAGES);
  return ok ? 0 : 1;
}
