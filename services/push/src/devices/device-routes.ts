import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ActivityId, describeIssues } from '@notify/contracts';
import { HttpError, requireScope, type ApiToken } from '@notify/http';
import type { Device, DeviceRepository } from '@notify/store';
import type { DeviceDirectory } from './device-directory';

const Registration = z
  .object({
    platform: z.enum(['ios', 'android', 'web']),
    appId: z.string().min(1).max(256).describe('iOS bundle id (the APNs topic) or Android package name'),
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
  });

const UserParams = z.object({ userId: z.string().min(1).max(128) });
const DeviceParams = UserParams.extend({ token: z.string().min(8, 'a device token is at least 8 characters').max(4096).regex(/^[A-Za-z0-9_:\-.]+$/, 'a device token is letters, digits and _ : - .') });

/**
 * Device tokens, registered by the product's backend for its users (ops tokens, or product-team tokens
 * with the scope devices:write to register and remove, devices:read to list).
 * Registering the same token again updates it in place; a token registered for another user (a
 * re-login on a shared phone) leaves the previous user. Changes go through the directory, which tells
 * every push instance; what the API shows is read from the store.
 */
export function registerDeviceRoutes(app: FastifyInstance, options: { devices: DeviceRepository; directory: DeviceDirectory; tokens: readonly ApiToken[] }): void {
  const write = { preHandler: requireScope(options.tokens, 'devices:write') };
  const parse = <T>(schema: z.ZodType<T>, raw: unknown): T => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', describeIssues(parsed.error));
    return parsed.data;
  };
  const params = (raw: unknown) => parse(DeviceParams, raw);

  app.put('/v1/users/:userId/devices/:token', write, async (request, reply) => {
    const { userId, token } = params(request.params);
    const body = parse(Registration, request.body ?? {});
    const existing = await options.devices.findByToken(token);
    const { device, previousUserId } = await options.directory.register({ token, userId, ...body });
    return reply.status(existing ? 200 : 201).send({ device: view(device), ...(previousUserId ? { movedFromUserId: previousUserId } : {}) });
  });

  app.delete('/v1/users/:userId/devices/:token', write, async (request, reply) => {
    const { userId, token } = params(request.params);
    const device = await options.devices.findByToken(token);
    if (!device || device.userId !== userId) throw new HttpError('NOTIFY_ERR_NOT_FOUND', `user ${userId} has no device with this token`);
    await options.directory.unregister(device);
    return reply.status(204).send();
  });

  app.get('/v1/users/:userId/devices', { preHandler: requireScope(options.tokens, 'devices:read') }, async (request) => {
    const { userId } = parse(UserParams, request.params);
    return { devices: (await options.devices.listActive(userId)).map(view) };
  });
}

/** What the API shows of a device: everything but the full token, which only the app needs. */
function view(device: Device) {
  return { tokenSuffix: device.token.slice(-8), userId: device.userId, platform: device.platform, appId: device.appId, environment: device.environment, kind: device.kind ?? 'device', activityId: device.activityId, locale: device.locale, timeZone: device.timeZone, active: device.active, createdAt: device.createdAt, updatedAt: device.updatedAt };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
