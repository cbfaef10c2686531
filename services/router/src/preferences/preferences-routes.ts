import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Bus } from '@notify/bus';
import { describeIssues, topics, UserId } from '@notify/contracts';
import { HttpError, requireScope, type ApiToken } from '@notify/http';
import { DEFAULT_TIME_ZONE, type PreferencesRepository } from '@notify/store';
import { preferencesState } from './preferences-view';

const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');
const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as "Europe/Paris"');

const PreferencesPatch = z
  .object({
    optOuts: z.array(z.object({ category: z.string().min(1).max(64), channel: z.enum(['inapp', 'push', 'all']) }).strict()).max(200).optional(),
    quietHours: z.object({ start: HourMinute, end: HourMinute }).strict().optional(),
    timeZone: TimeZone.optional(),
    locale: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as "fr-FR"').optional(),
  })
  .strict();

/**
 * A user's notification preferences, for the product's own backend (admin tokens, or producer tokens with
 * the scope preferences:read to read, preferences:write to change):
 * opt-outs per category and channel, quiet hours in the user's time zone, locale. A change is stored,
 * then published on `preferences.state`, which every router's view follows; the answer comes once
 * both are durable (a failed publish is a 5xx, and the retry publishes again).
 */
export function registerPreferencesRoutes(app: FastifyInstance, deps: { preferences: PreferencesRepository; bus: Bus; tokens: readonly ApiToken[] }): void {
  const userIdOf = (params: unknown) => {
    const parsed = UserId.safeParse((params as { userId?: unknown }).userId);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `userId: ${describeIssues(parsed.error)}`);
    return parsed.data;
  };

  app.get('/v1/users/:userId/preferences', { preHandler: requireScope(deps.tokens, 'preferences:read') }, async (request) => {
    const userId = userIdOf(request.params);
    return (await deps.preferences.get(userId)) ?? { userId, optOuts: [], timeZone: DEFAULT_TIME_ZONE };
  });

  app.patch('/v1/users/:userId/preferences', { preHandler: requireScope(deps.tokens, 'preferences:write') }, async (request) => {
    const userId = userIdOf(request.params);
    const parsed = PreferencesPatch.safeParse(request.body);
    if (!parsed.success) throw new HttpError('NOTIFY_ERR_VALIDATION', `body: ${describeIssues(parsed.error)}`);
    const stored = await deps.preferences.upsert(userId, parsed.data);
    await deps.bus.publish(topics.preferencesState, [{ value: preferencesState(stored) }]);
    return stored;
  });
}
