import { z } from 'zod';
import { IsoTimestamp } from './fields';

/** Reasons a message is set aside. Closed list so dashboards and alerts can rely on it. */
export const DEAD_LETTER_REASONS = [
  'malformed_json',
  'unknown_version',
  'invalid_envelope',
  'too_large',
  'no_recipient',
  'unknown_type',
  'handler_failed',
] as const;
export const DeadLetterReason = z.enum(DEAD_LETTER_REASONS);
export type DeadLetterReason = z.infer<typeof DeadLetterReason>;

export const DeadLetterV1 = z
  .object({
    version: z.literal(1),
    reason: DeadLetterReason,
    message: z.string().max(4096).describe('Human-readable detail: which field, which limit, which error'),
    source: z
      .object({
        topic: z.string(),
        partition: z.number().int().nonnegative().optional(),
        offset: z.string().optional(),
        key: z.string().nullable(),
        groupId: z.string().optional(),
      })
      .strict(),
    originalBase64: z.string().describe('The original message bytes, so it can be fixed and replayed'),
    attempts: z.number().int().nonnegative(),
    service: z.string(),
    failedAt: IsoTimestamp,
  })
  .strict();
export type DeadLetter = z.infer<typeof DeadLetterV1>;
