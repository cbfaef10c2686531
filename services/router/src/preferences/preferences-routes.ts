import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Bus } from '@notify/bus';
import { topics, UserId } from '@notify/contracts';
import { refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
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
  .strict()
  .meta({ id: 'PreferencesPatch' });
const Preferences = z
  .object({
    userId: z.string(),
    optOuts: z.array(z.object({ category: z.string(), channel: z.enum(['inapp', 'push', 'all']) })),
    quietHours: z.object({ start: z.string(), end: z.string() }).optional().describe('Local wall-clock window in timeZone, such as 22:00 to 07:00'),
    timeZone: z.string(),
    locale: z.string().optional(),
    updatedAt: z.date().optional().describe('Absent while the user never set any'),
  })
  .meta({ id: 'Preferences' });
const tags = ['preferences'];

/**
 * A user's notification preferences, for the product's own backend (admin tokens, or producer tokens with
 * the scope preferences:read to read, preferences:write to change):
 * opt-outs per category and channel, quiet hours in the user's time zone, locale. A change is stored,
 * then published on `preferences.state`, which every router's view follows; the answer comes once
 * both are durable (a failed publish is a 5xx, and the retry publishes again).
 */
export function registerPreferencesRoutes(app: FastifyInstance, deps: { preferences: PreferencesRepository; bus: Bus; tokens: readonly ApiToken[] }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const params = z.object({ userId: UserId });
  const response = { 200: Preferences, ...refusals(400, 401, 403) };

  api.get('/v1/users/:userId/preferences', { preValidation: requireScope(deps.tokens, 'preferences:read'), schema: { summary: 'A user’s notification preferences (defaults when never set)', tags, params, response } }, async (request) => {
    const { userId } = request.params;
    return (await deps.preferences.get(userId)) ?? { userId, optOuts: [], timeZone: DEFAULT_TIME_ZONE };
  });

  api.patch('/v1/users/:userId/preferences', { preValidation: requireScope(deps.tokens, 'preferences:write'), schema: { summary: 'Change a user’s preferences: the fields sent replace theirs', tags, params, body: PreferencesPatch, response } }, async (request) => {
    const stored = await deps.preferences.upsert(request.params.userId, request.body);
    await deps.bus.publish(topics.preferencesState, [{ value: preferencesState(stored) }]);
    return stored;
  });
}
