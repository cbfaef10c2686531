import { z } from 'zod';
import { IsoTimestamp, UserId } from './fields';

/**
 * A user's notification preferences as they now are, on a compacted topic keyed by user: every router
 * keeps them all in memory, so routing an event reads no database.
 */
export const PreferencesStateV1 = z
  .object({
    version: z.literal(1),
    userId: UserId,
    optOuts: z.array(z.object({ category: z.string().min(1).max(64), channel: z.enum(['inapp', 'push', 'all']) }).strict()).max(200),
    quietHours: z.object({ start: z.string(), end: z.string() }).strict().optional(),
    timeZone: z.string().min(1).max(64).describe('IANA time zone name'),
    locale: z.string().max(35).optional(),
    budgets: z
      .array(z.object({ category: z.string().min(1).max(64), pushesPerDay: z.number().int().min(0) }).strict())
      .max(50)
      .optional()
      .describe("The user's own daily interruption budgets per budget category"),
    updatedAt: IsoTimestamp,
  })
  .strict();
export type PreferencesState = z.infer<typeof PreferencesStateV1>;
