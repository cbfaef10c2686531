import { commonSettings, deliveryLogRetentionSettings, env, inboxRetentionSettings, infrastructureSettings, retentionScheduleSettings, setting } from '@notify/config';
import { clientAccessSettings, connectionSettings, tokenVerificationSettings } from '@notify/gateway';
import { deliverySettings, deviceCacheSettings, userDeviceSettings } from '@notify/push';
import { presenceSettings } from '@notify/presence';
import { routerSettings } from '@notify/router';
import { webhookDeliverySettings } from '@notify/webhooks';

const { kafkaBrokers, mongoUrl, ...infrastructure } = infrastructureSettings;

/** Embedded mode: no infrastructure needed; KAFKA_BROKERS and MONGO_URL switch to the real ones. */
export const embeddedSettings = {
  ...commonSettings,
  ...infrastructure,
  kafkaBrokers: setting(kafkaBrokers.variable, kafkaBrokers.schema.optional(), 'Kafka bootstrap servers; unset runs the in-process bus'),
  mongoUrl: setting(mongoUrl.variable, mongoUrl.schema.optional(), 'MongoDB connection string; unset keeps data in memory'),
  port: setting('PORT', env.port(3000), 'HTTP port: REST API, socket.io, /healthz, /readyz, /metrics'),
  maxBatchEvents: routerSettings.maxBatchEvents,
  rulesRefreshMs: routerSettings.rulesRefreshMs,
  digestTickMs: routerSettings.digestTickMs,
  escalationSweepMs: routerSettings.escalationSweepMs,
  escalationLeaseMs: routerSettings.escalationLeaseMs,
  dedupWindowMs: routerSettings.dedupWindowMs,
  intakeRateLimit: routerSettings.intakeRateLimit,
  intakeRateWindowMs: routerSettings.intakeRateWindowMs,
  deadLettersIndexMb: routerSettings.deadLettersIndexMb,
  retentionDeadLetterActionsDays: routerSettings.retentionDeadLetterActionsDays,
  lanesSampleMs: routerSettings.lanesSampleMs,
  lanesHistoryMs: routerSettings.lanesHistoryMs,
  gatewayTtlMs: presenceSettings.gatewayTtlMs,
  sweepIntervalMs: presenceSettings.sweepIntervalMs,
  intakeTokens: setting(routerSettings.intakeTokens.variable, routerSettings.intakeTokens.schema.optional(), 'Product teams’ tokens (name:secret or name:secret:scope+scope, comma-separated; see API tokens and their scopes); unset generates one with every scope per start and prints it', { secret: true }),
  adminTokens: setting(routerSettings.adminTokens.variable, routerSettings.adminTokens.schema.optional(), 'Ops tokens for the rules admin API (name:secret,...); unset generates one per start and prints it', { secret: true }),
  ...connectionSettings,
  ...clientAccessSettings,
  ...deliverySettings,
  ...deviceCacheSettings,
  ...userDeviceSettings,
  ...retentionScheduleSettings,
  ...deliveryLogRetentionSettings,
  ...inboxRetentionSettings,
  ...webhookDeliverySettings,
  // Trying webhooks on one machine means a receiver on localhost, over plain http.
  webhookAllowHttp: setting(webhookDeliverySettings.webhookAllowHttp.variable, env.boolean(true), webhookDeliverySettings.webhookAllowHttp.description),
  jwtSecret: setting(tokenVerificationSettings.jwtSecret.variable, tokenVerificationSettings.jwtSecret.schema, 'HS256 secret for users’ JWTs (socket handshake, inbox, apps registering their devices at /v1/me/devices); unset generates one per start and prints a token to try', { secret: true }),
};
