import { z } from 'zod';
import { env, retentionScheduleSettings, setting } from '@notify/config';
import { tokenListSchema, tokenVerificationSettings } from '@notify/http';
import { standaloneSettings } from '@notify/runtime';

const optional = <T extends z.ZodType>(schema: T) => schema.optional();

/** How the push service reaches Apple: token-based auth with a .p8 key. Unset: iOS devices get a `failed` status. */
export const apnsSettings = {
  apnsKey: setting('APNS_KEY', env.optionalString().refine((v) => v === undefined || v.includes('BEGIN PRIVATE KEY'), 'must be the .p8 key (PEM, -----BEGIN PRIVATE KEY-----)'), 'APNs auth key (.p8 contents, PEM); with APNS_KEY_ID and APNS_TEAM_ID', { secret: true }),
  apnsKeyId: setting('APNS_KEY_ID', env.optionalString(), 'Key ID of the APNs auth key'),
  apnsTeamId: setting('APNS_TEAM_ID', env.optionalString(), 'Apple developer team ID'),
  apnsAddress: setting('APNS_ADDRESS', env.optionalString(), 'APNs host to use instead of Apple’s (a local emulator); default: Apple’s sandbox or production host per device'),
  apnsPort: setting('APNS_PORT', z.coerce.number().int().min(1).max(65535).optional(), 'APNs port with APNS_ADDRESS (default 443)'),
  apnsConnections: setting('APNS_CONNECTIONS', env.int(2, 1).pipe(z.number().max(32, 'must be at most 32')), 'HTTP/2 connections to APNs per environment, used in turn (each carries up to about 1,000 pushes at once)'),
  apnsCa: setting('APNS_CA', env.optionalString(), 'Extra CA certificate (PEM) to trust for APNS_ADDRESS'),
};

/** How the push service reaches FCM: a service account. Unset: Android and web devices get a `failed` status. */
export const fcmSettings = {
  fcmServiceAccount: setting('FCM_SERVICE_ACCOUNT', env.optionalString(), 'Firebase service account key (the JSON file’s contents)', { secret: true }),
  fcmProjectId: setting('FCM_PROJECT_ID', env.optionalString(), 'Firebase project id (default: the service account’s)'),
  fcmThrottleFloorMs: setting('FCM_THROTTLE_FLOOR_MS', env.int(60_000, 1), 'After an FCM 429 (the project’s quota) with no readable Retry-After, how long every FCM send of the project waits; doubles, with jitter, on each further 429, back to this after a send goes through (Firebase asks for at least a minute)'),
  fcmWebIconUrl: setting('FCM_WEB_ICON_URL', optional(z.url({ protocol: /^https$/, message: 'must be an https URL' })), 'Icon shown with web push notifications (https URL; unset: the browser shows none)'),
  fcmThrottleMaxMs: setting('FCM_THROTTLE_MAX_MS', env.int(600_000, 1), 'Longest such wait, FCM’s Retry-After included; at least FCM_THROTTLE_FLOOR_MS'),
};

/** Lanes, retries and rate limits. */
export const deliverySettings = {
  transactionalConcurrency: setting('PUSH_TRANSACTIONAL_CONCURRENCY', env.int(8, 1), 'Partitions of deliver.push.transactional worked on at once per instance'),
  bulkConcurrency: setting('PUSH_BULK_CONCURRENCY', env.int(2, 1), 'Partitions of deliver.push.bulk worked on at once per instance'),
  bulkRatePerSecond: setting('PUSH_BULK_RATE_PER_SECOND', env.int(500, 1), 'Bulk pushes per second per provider and app, per instance (transactional pushes are never limited)'),
  maxAttempts: setting('PUSH_MAX_ATTEMPTS', env.int(4, 1), 'Attempts per device for throttled (429) or failing (5xx) providers before the push is reported failed'),
  retryInitialMs: setting('PUSH_RETRY_INITIAL_MS', env.int(500, 1), 'First retry delay; doubles per attempt, with jitter, and never shorter than the provider’s Retry-After'),
  retryMaxMs: setting('PUSH_RETRY_MAX_MS', env.int(30_000, 1), 'Longest retry delay'),
};

/** Each user's active devices held in memory, so a push reads no database; kept current by devices.changes. */
export const deviceCacheSettings = {
  deviceCacheUsers: setting('PUSH_DEVICE_CACHE_USERS', env.int(50_000), 'Users whose active devices each push instance holds in memory (least recently pushed dropped first; about 1 KB per device); 0 reads the store for every push'),
  deviceCacheMaxAgeMs: setting('PUSH_DEVICE_CACHE_MAX_AGE_MS', env.int(300_000, 1000), 'Longest a cached user’s devices are used without a re-read: changes reach every instance at once on devices.changes, this only bounds a change notice that was missed'),
};

/** Apps registering their own user's devices (/v1/me/devices, with the user's JWT checked as the gateway checks it). */
export const userDeviceSettings = {
  maxDevicesPerUser: setting('PUSH_MAX_DEVICES_PER_USER', env.int(20, 1).pipe(z.number().max(1000, 'must be at most 1000')), 'Active tokens of one kind (devices; Live Activity tokens apart) one user may hold through PUT /v1/me/devices; registering one more removes the one registered longest ago (an app re-registers its token on each start, so that is the device unused longest)'),
  userRateLimit: setting('PUSH_USER_RATE_LIMIT', env.int(30, 0), 'Requests one user may make to /v1/me/devices per PUSH_USER_RATE_WINDOW_MS on one push instance; beyond it 429 NOTIFY_ERR_RATE_LIMITED with Retry-After. 0: no limit'),
  userRateWindowMs: setting('PUSH_USER_RATE_WINDOW_MS', env.int(60_000, 1000), 'The window of PUSH_USER_RATE_LIMIT'),
};

export const pushSettings = {
  ...standaloneSettings(3003),
  ...apnsSettings,
  ...fcmSettings,
  ...deliverySettings,
  ...deviceCacheSettings,
  ...tokenVerificationSettings,
  ...userDeviceSettings,
  intakeTokens: setting('INTAKE_TOKENS', tokenListSchema('producer'), 'Product teams’ tokens, comma-separated name:secret or name:secret:scope+scope; the devices API needs devices:read or devices:write', { secret: true }),
  adminTokens: setting('ADMIN_TOKENS', tokenListSchema('admin'), 'Ops tokens, also admitted by the devices API, as comma-separated name:secret pairs', { secret: true }),
  ...retentionScheduleSettings,
};
