import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ActivityId } from '@notify/contracts';
import { HttpError, refusals, requireScope, requireUser, type ApiToken, type TokenVerifier, type ZodTypeProvider } from '@notify/http';
import type { Device, DeviceRepository } from '@notify/store';
import type { DeviceDirectory } from './device-directory';
import { registerOwnDevice, unreachableReason, unregisterOwnDevice, type Reachable } from './own-devices';

const tags = ['devices'];

const Registration = z
  .object({
    platform: z.enum(['ios', 'android', 'web']).describe('"web": a browser subscribed through the Firebase JS SDK (its FCM registration token)'),
    appId: z.string().min(1).max(256).describe('iOS bundle id (the APNs topic), Android package name, or the web app’s name'),
    environment: z.enum(['sandbox', 'production']).default('production').describe('APNs environment; ignored by FCM'),
    kind: z.enum(['device', 'liveactivity']).default('device').describe('"liveactivity": the push token of one iOS Live Activity, which receives only that activity’s updates'),
    activityId: ActivityId.optional(),
    locale: z.string().min(2).max(35).optional(),
    timeZone: z
      .string()
      .max(64)
      .refine((tz) => isTimeZone(tz), 'must be an IANA time zone such as "Europe/Paris"')
      .optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.kind !== 'liveactivity') {
      if (body.activityId !== undefined) ctx.addIssue({ code: 'custom', path: ['activityId'], message: 'only goes with kind "liveactivity"' });
      return;
    }
    if (body.platform !== 'ios') ctx.addIssue({ code: 'custom', path: ['platform'], message: 'must be "ios" for a Live Activity token (Live Activities are an iOS feature)' });
    if (body.activityId === undefined) ctx.addIssue({ code: 'custom', path: ['activityId'], message: 'is required for a Live Activity token: the id the product gave the activity (an order id)' });
  })
  .meta({ id: 'DeviceRegistration' });

const UserId = z.string().min(1).max(128).describe('The user, as the product names them');
const Token = z
  .string()
  .min(8, 'a device token is at least 8 characters')
  .max(4096)
  .regex(/^[A-Za-z0-9_:\-.]+$/, 'a device token is letters, digits and _ : - .')
  .describe('The push token: APNs device token (hex), FCM registration token, or Live Activity push token');
const UserParams = z.object({ userId: UserId });
const DeviceParams = z.object({ userId: UserId, token: Token });
const OwnDeviceParams = z.object({ token: Token });

const DeviceView = z
  .object({
    tokenSuffix: z.string().describe('The token’s last 8 characters: the full token is only the app’s'),
    userId: z.string(),
    platform: z.enum(['ios', 'android', 'web']),
    appId: z.string(),
    environment: z.enum(['sandbox', 'production']),
    kind: z.enum(['device', 'liveactivity']),
    activityId: z.string().optional(),
    locale: z.string().optional(),
    timeZone: z.string().optional(),
    active: z.boolean().describe('False once the provider said the token is dead'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Device' });
const DeviceList = z.object({ devices: z.array(DeviceView) });
const OwnRegistered = z.object({ device: DeviceView, evicted: z.array(z.string()).describe('Token suffixes of the user’s devices removed to stay within the cap') });

/** Per user, what the /v1/me routes may be asked: `max` requests per `windowMs` (0: no limit). */
export interface UserRateLimit {
  max: number;
  windowMs: number;
}

export interface DeviceRoutesOptions {
  devices: DeviceRepository;
  directory: DeviceDirectory;
  tokens: readonly ApiToken[];
  /** Which providers this instance sends through: a device no provider can reach is refused at registration. */
  reachable: Reachable;
  /** Checks the user's JWT on the /v1/me routes; unset: they answer 404 naming the settings that turn them on. */
  verify?: TokenVerifier | undefined;
  /** Active devices of one kind a user may hold through /v1/me (default 20). */
  maxDevicesPerUser?: number | undefined;
  userRateLimit?: UserRateLimit | undefined;
}

/**
 * Device tokens, two ways.
 *
 * - `/v1/users/:userId/devices`: the product's backend, for any user (ops tokens, or product-team
 *   tokens with the scope devices:write to register and remove, devices:read to list).
 * - `/v1/me/devices`: the app itself, for its signed-in user, with the user's JWT (checked like the
 *   gateway checks it: JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL). A user only ever sees and
 *   removes their own devices; holds at most `maxDevicesPerUser` (see {@link registerOwnDevice});
 *   and is rate-limited per user.
 *
 * Registering the same token again updates it in place; a token registered for another user (a
 * re-login on a shared phone) leaves the previous user. A device no configured provider can reach is
 * refused. Changes go through the directory, which tells every push instance (devices.changes);
 * what the API shows is read from the store.
 */
export function registerDeviceRoutes(app: FastifyInstance, options: DeviceRoutesOptions): void {
  registerBackendRoutes(app, options);
  // A scope of its own: the per-user rate limit covers the app's routes only.
  void app.register(async (scope) => {
    const limit = options.userRateLimit;
    if (options.verify && limit && limit.max > 0) await scope.register(rateLimit, userRateLimitOptions(limit));
    registerOwnRoutes(scope, options);
  });
}

function registerBackendRoutes(app: FastifyInstance, options: DeviceRoutesOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const write = requireScope(options.tokens, 'devices:write');

  api.put(
    '/v1/users/:userId/devices/:token',
    {
      preHandler: write,
      schema: {
        summary: 'Register (or update) a device for a user, from the product’s backend',
        description: 'A token registered for another user moves to this one (movedFromUserId). 201 when the token is new, 200 when it was known. A platform whose provider this service has no credentials for is refused.',
        tags,
        params: DeviceParams,
        body: Registration,
        response: { 200: z.object({ device: DeviceView, movedFromUserId: z.string().optional() }), 201: z.object({ device: DeviceView }), ...refusals(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { userId, token } = request.params;
      refuseUnreachable(request.body.platform, options.reachable);
      const existing = await options.devices.findByToken(token);
      const { device, previousUserId } = await options.directory.register({ token, userId, ...request.body });
      return reply.status(existing ? 200 : 201).send({ device: view(device), ...(previousUserId ? { movedFromUserId: previousUserId } : {}) });
    },
  );

  api.delete(
    '/v1/users/:userId/devices/:token',
    { preHandler: write, schema: { summary: 'Remove a user’s device', description: '404 when the user has no device with this token.', tags, params: DeviceParams, response: { 204: z.null().describe('Removed'), ...refusals(400, 401, 403, 404) } } },
    async (request, reply) => {
      const { userId, token } = request.params;
      const device = await options.devices.findByToken(token);
      if (!device || device.userId !== userId) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `user ${userId} has no device with this token`);
      await options.directory.unregister(device);
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/v1/users/:userId/devices',
    { preHandler: requireScope(options.tokens, 'devices:read'), schema: { summary: 'A user’s active devices', tags, params: UserParams, response: { 200: DeviceList, ...refusals(400, 401, 403) } } },
    async (request) => ({ devices: (await options.devices.listActive(request.params.userId)).map(view) }),
  );
}

function registerOwnRoutes(app: FastifyInstance, options: DeviceRoutesOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const verify = options.verify;
  const preHandler = verify
    ? requireUser(verify)
    : async () => {
        throw new HttpError('NOTIFY_ERR_NOT_FOUND', 'apps cannot register devices on this push service: set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL (as on the gateway) to turn on /v1/me/devices');
      };
  const maxDevices = options.maxDevicesPerUser ?? 20;
  const me = (request: FastifyRequest) => request.user!.userId;
  const deps = { devices: options.devices, directory: options.directory };
  const security = [{ bearer: [] }];

  api.put(
    '/v1/me/devices/:token',
    {
      preHandler,
      schema: {
        summary: 'Register (or update) this device for the signed-in user, from the app',
        description: `With the user’s JWT (its sub is the user). A token registered for another user moves to this one (a shared device after a logout and a login). The user keeps at most ${maxDevices} active devices of a kind (PUSH_MAX_DEVICES_PER_USER): beyond, the ones registered longest ago are removed and listed in evicted. A platform this service cannot reach is refused with a 400.`,
        tags,
        security,
        params: OwnDeviceParams,
        body: Registration,
        response: { 200: OwnRegistered, 201: OwnRegistered, ...refusals(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      refuseUnreachable(request.body.platform, options.reachable);
      const { device, created, evicted } = await registerOwnDevice(deps, { token: request.params.token, userId: me(request), ...request.body }, maxDevices);
      return reply.status(created ? 201 : 200).send({ device: view(device), evicted: evicted.map((d) => d.token.slice(-8)) });
    },
  );

  api.delete(
    '/v1/me/devices/:token',
    { preHandler, schema: { summary: 'Remove this device from the signed-in user (on logout)', description: '404 when the user has no device with this token, whoever else may have it.', tags, security, params: OwnDeviceParams, response: { 204: z.null().describe('Removed'), ...refusals(400, 401, 404, 429) } } },
    async (request, reply) => {
      if (!(await unregisterOwnDevice(deps, me(request), request.params.token))) throw new HttpError('NOTIFY_ERR_NOT_FOUND', 'you have no device with this token');
      return reply.status(204).send(null);
    },
  );

  api.get('/v1/me/devices', { preHandler, schema: { summary: 'The signed-in user’s active devices', tags, security, response: { 200: DeviceList, ...refusals(401, 404, 429) } } }, async (request) => ({
    devices: (await options.devices.listActive(me(request))).map(view),
  }));
}

function refuseUnreachable(platform: Device['platform'], reachable: Reachable): void {
  const reason = unreachableReason(platform, reachable);
  if (reason) throw new HttpError('NOTIFY_ERR_VALIDATION', `platform: ${reason}`);
}

/** @fastify/rate-limit counted per user: it runs after the JWT check (which names the user), so a request without a valid token is refused before it counts. */
function userRateLimitOptions(limit: UserRateLimit) {
  return {
    global: true,
    hook: 'preHandler' as const,
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request: FastifyRequest) => (request.user ? `user:${request.user.userId}` : `address:${request.ip}`),
    // Thrown by the plugin (after it set Retry-After), answered by the server's error handler as the catalogue says.
    errorResponseBuilder: (_request: FastifyRequest, context: { max: number; after: string; ttl: number }) =>
      new HttpError('NOTIFY_ERR_RATE_LIMITED', `more than ${context.max} requests in ${context.after} for this user; retry after ${Math.max(1, Math.ceil(context.ttl / 1000))} s`),
  };
}

/** What the API shows of a device: everything but the full token, which only the app needs. */
function view(device: Device): z.infer<typeof DeviceView> {
  return {
    tokenSuffix: device.token.slice(-8),
    userId: device.userId,
    platform: device.platform,
    appId: device.appId,
    environment: device.environment,
    kind: device.kind ?? 'device',
    ...(device.activityId == null ? {} : { activityId: device.activityId }),
    ...(device.locale == null ? {} : { locale: device.locale }),
    ...(device.timeZone == null ? {} : { timeZone: device.timeZone }),
    active: device.active,
    createdAt: device.createdAt.toISOString(),
    updatedAt: device.updatedAt.toISOString(),
  };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
