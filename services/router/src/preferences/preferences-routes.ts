import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Bus } from '@notify/bus';
import { topics, UserId } from '@notify/contracts';
import { refusals, requireScope, type ApiToken, type ZodTypeProvider } from '@notify/http';
import { DEFAULT_TIME_ZONE, type BudgetRepository, type PreferencesRepository } from '@notify/store';
import { BudgetOverride } from '../budgets/budget-policy';
import { localDay } from '../budgets/local-day';
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
    budgets: z
      .array(BudgetOverride)
      .max(50)
      .refine((list) => new Set(list.map((b) => b.category)).size === list.length, 'one entry per budget category')
      .optional()
      .describe('The user’s own pushes per local day for budget categories the rules name, in place of the rules’ numbers; [] removes them'),
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
    budgets: z.array(z.object({ category: z.string(), pushesPerDay: z.number() })).optional().describe('The user’s own daily budgets per budget category'),
    updatedAt: z.date().optional().describe('Absent while the user never set any'),
  })
  .meta({ id: 'Preferences' });
const BudgetSpend = z
  .object({
    userId: z.string(),
    day: z.string().describe('The user’s local calendar day (YYYY-MM-DD) in timeZone: budgets start again at their midnight'),
    timeZone: z.string(),
    spent: z.array(z.object({ budget: z.string(), channel: z.enum(['push', 'toast']), count: z.number().int() })).describe('Units counted today per budget category: pushes sent, critical and transactional ones included'),
  })
  .meta({ id: 'BudgetSpend' });
const tags = ['preferences'];

/**
 * A user's notification preferences, for the product's own backend (admin tokens, or producer tokens with
 * the scope preferences:read to read, preferences:write to change):
 * opt-outs per category and channel, quiet hours in the user's time zone, locale, their own daily
 * budgets (pushes per day per budget category), and what they spent of them today. A change is stored,
 * then published on `preferences.state`, which every router's view follows; the answer comes once
 * both are durable (a failed publish is a 5xx, and the retry publishes again).
 */
export function registerPreferencesRoutes(app: FastifyInstance, deps: { preferences: PreferencesRepository; bus: Bus; tokens: readonly ApiToken[]; budgets?: BudgetRepository }): void {
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

  const budgets = deps.budgets;
  if (budgets) {
    api.get('/v1/users/:userId/budgets', { preValidation: requireScope(deps.tokens, 'preferences:read'), schema: { summary: 'What a user spent of their daily interruption budgets today (their local day)', tags, params, response: { 200: BudgetSpend, ...refusals(400, 401, 403) } } }, async (request) => {
      const { userId } = request.params;
      const timeZone = (await deps.preferences.get(userId))?.timeZone ?? DEFAULT_TIME_ZONE;
      const day = localDay(new Date(), timeZone);
      return { userId, day, timeZone, spent: await budgets.spent(userId, day) };
    });
  }
}
