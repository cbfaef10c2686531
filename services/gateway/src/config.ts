import { z } from 'zod';
import { env, inboxRetentionSettings, retentionScheduleSettings, setting } from '@notify/config';
import { tokenVerificationSettings } from '@notify/http';
import { standaloneSettings } from '@notify/runtime';
import { parseTrustProxy } from './access/client-address';
import { parseCorsOrigins } from './access/cors-origins';

const optional = <T extends z.ZodType>(schema: T) => schema.optional();

// How a client's JWT is checked: the settings and their validation live with the verifier, shared with the push service.
export { DEFAULT_MAX_TOKEN_LIFETIME_S, tokenVerificationOf, tokenVerificationSettings, type TokenVerification } from '@notify/http';

/** What the gateway does with connections: liveness, buffers, draining. Shared with the embedded app. */
export const connectionSettings = {
  pingIntervalMs: setting('GATEWAY_PING_INTERVAL_MS', env.int(15_000, 1000), 'socket.io ping interval; a dead network is noticed within interval + timeout'),
  pingTimeoutMs: setting('GATEWAY_PING_TIMEOUT_MS', env.int(10_000, 1000), 'How long the server waits for a pong before dropping the connection'),
  heartbeatMs: setting('GATEWAY_HEARTBEAT_MS', env.int(5000, 100), 'How often the gateway tells presence it is alive (presence expires it after PRESENCE_GATEWAY_TTL_MS of silence)'),
  maxBufferedPackets: setting('GATEWAY_MAX_BUFFERED_PACKETS', env.int(1000, 10), 'Packets a socket may have waiting to be written; the gateway sends more only as the client takes them'),
  maxBufferedBytes: setting('GATEWAY_MAX_BUFFERED_BYTES', env.int(1024 * 1024, 16 * 1024), 'Bytes an SSE stream may have waiting to be written; the gateway sends more only as the client takes them'),
  stallTimeoutMs: setting('GATEWAY_STALL_TIMEOUT_MS', env.int(10_000, 100), 'A client whose backlog stays full this long is disconnected (it resumes from its cursor when it reconnects)'),
  resyncAfterMs: setting('GATEWAY_RESYNC_AFTER_MS', env.int(3000, 0), 'After a connect, the inbox is checked once more after this delay, covering notifications stored while presence was still spreading the news'),
  drainWindowMs: setting('GATEWAY_DRAIN_WINDOW_MS', env.int(10_000, 0), 'On SIGTERM, connected clients are asked to reconnect elsewhere in jittered waves spread over this window'),
  fallbackSweepIntervalMs: setting('GATEWAY_FALLBACK_SWEEP_INTERVAL_MS', env.int(1000, 100), 'How often a gateway pushes the due push fallbacks of the deliver.inapp partitions it holds (they are kept in the inbox, so a restart or crash loses none and fires none early): how late a fallback may go out'),
};

/** Who may connect, how often and how many times at once, and from which web pages. Shared with the embedded app. */
export const clientAccessSettings = {
  maxConnectionsPerUser: setting('GATEWAY_MAX_CONNECTIONS_PER_USER', env.int(20, 0), 'Connections (socket.io and SSE together) one user may hold on one gateway instance; more are refused (connect_error / 429 with NOTIFY_ERR_TOO_MANY_CONNECTIONS). 0: no cap'),
  connectRatePerAddress: setting('GATEWAY_CONNECT_RATE_PER_ADDRESS', env.int(600, 0), 'Connection attempts (socket.io handshakes and SSE streams) one client address may make per GATEWAY_CONNECT_RATE_WINDOW_MS on one instance; more are refused (NOTIFY_ERR_RATE_LIMITED, with when to retry). The default leaves room for an office behind one NAT address reconnecting at once after a deploy. Behind a proxy set GATEWAY_TRUST_PROXY, or every client counts as the proxy. 0: no limit'),
  connectRateWindowMs: setting('GATEWAY_CONNECT_RATE_WINDOW_MS', env.int(60_000, 1000), 'The window of GATEWAY_CONNECT_RATE_PER_ADDRESS'),
  trustProxy: setting('GATEWAY_TRUST_PROXY', z.string().default('false').transform((value, ctx) => {
    try {
      return parseTrustProxy(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be false, true, a number of proxy hops, or addresses/CIDR ranges (${(err as Error).message})` });
      return z.NEVER;
    }
  }), 'Which proxies may name the client address in X-Forwarded-For: false (the peer address counts), true (any), a number of hops, or comma-separated addresses/CIDR ranges (loopback, linklocal, uniquelocal)'),
  corsOrigins: setting('GATEWAY_CORS_ORIGINS', optional(z.string().transform((value, ctx) => {
    try {
      return parseCorsOrigins(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  })), 'Comma-separated origins (https://app.example.com) whose pages may call the inbox API, open SSE streams and poll socket.io; * for any. Unset: no CORS headers, same-origin pages only'),
  sseTokenInQuery: setting('GATEWAY_SSE_TOKEN_IN_QUERY', env.boolean(false), 'Deprecated: also accept the user token itself as ?access_token= on GET /v1/stream (it then lands in access logs and proxies). Clients should use a ticket from POST /v1/stream/tickets'),
};

export const gatewaySettings = {
  ...standaloneSettings(3001),
  ...tokenVerificationSettings,
  ...connectionSettings,
  ...clientAccessSettings,
  relaySecret: setting('GATEWAY_RELAY_SECRET', z.string({ error: 'required but not set' }).min(32, 'must be at least 32 characters'), 'Shared by all gateway instances: authenticates notifications one gateway hands to another that holds the user', { secret: true }),
  relayPort: setting('GATEWAY_RELAY_PORT', env.port(3101), 'Port of the relay, a listener of its own that only other gateways call (firewall it off from clients; the client port answers 404 for the relay path)'),
  relayHost: setting('GATEWAY_RELAY_HOST', env.string('127.0.0.1'), 'Interface the relay listens on; other gateway instances must reach it (0.0.0.0 in containers)'),
  relayUrl: setting('GATEWAY_RELAY_URL', optional(z.url({ message: 'must be a URL' })), 'How other gateways reach this one’s relay, announced signed on presence.gateways (default http://<GATEWAY_RELAY_HOST, or the hostname when it is 0.0.0.0>:<GATEWAY_RELAY_PORT>)'),
  ...retentionScheduleSettings,
  ...inboxRetentionSettings,
};
