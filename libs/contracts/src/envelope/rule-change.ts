import { z } from 'zod';
import { IsoTimestamp } from './fields';

/** Tells every router instance that rules changed; the rules themselves are read from the store. */
export const RuleChangeV1 = z
  .object({
    version: z.literal(1),
    ruleId: z.string().min(1),
    action: z.enum(['created', 'updated', 'deleted', 'rolled_back']),
    revision: z.number().int().nonnegative(),
    actor: z.string().min(1),
    at: IsoTimestamp,
  })
  .strict();
export type RuleChange = z.infer<typeof RuleChangeV1>;
