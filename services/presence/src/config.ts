import { z } from 'zod';
import { env, infrastructureSettings, setting } from '@notify/config';
import { tokenListSchema } from '@notify/http';
import { standaloneSettings } from '@notify/runtime';

const { mongoUrl } = infrastructureSettings;

export const presenceSettings = {
  ...standaloneSettings(3002),
  // Presence keeps its state on Kafka (the compacted presence.state topic), not in the database.
  mongoUrl: setting(mongoUrl.variable, mongoUrl.schema.optional(), 'MongoDB connection string; presence stores nothing there and runs without it'),
  gatewayTtlMs: setting('PRESENCE_GATEWAY_TTL_MS', env.int(15_000, 1000), 'A gateway silent this long (no heartbeat, no goodbye) is taken for dead and its users go offline on it; gateways beat every 5 s'),
  sweepIntervalMs: setting('PRESENCE_SWEEP_INTERVAL_MS', env.int(1000, 50), 'How often presence looks for silent gateways'),
  relaySecret: setting('GATEWAY_RELAY_SECRET', z.string({ error: 'required but not set' }).min(32, 'must be at least 32 characters'), 'The gateways’ shared secret: presence acts only on gateway announcements (heartbeats, goodbyes) signed with it', { secret: true }),
  intakeTokens: setting('INTAKE_TOKENS', tokenListSchema('producer'), 'Product teams’ tokens, comma-separated name:secret (secret ≥ 16 characters) or name:secret:scope+scope; the presence query API needs the scope presence:read', { secret: true }),
  adminTokens: setting('ADMIN_TOKENS', tokenListSchema('admin'), 'Ops tokens, also admitted by the presence query API, as comma-separated name:secret pairs', { secret: true }),
};
