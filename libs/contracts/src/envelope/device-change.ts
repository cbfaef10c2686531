import { z } from 'zod';
import { IsoTimestamp, UserId } from './fields';

/**
 * A user's set of push devices changed: every push instance drops what it holds in memory for that
 * user and reads the devices again on the next push. Carries no token: the store is the truth.
 */
export const DeviceChangeV1 = z
  .object({
    version: z.literal(1),
    userId: UserId,
    change: z
      .enum(['registered', 'unregistered', 'deactivated', 'moved_away'])
      .describe('registered (new or updated), unregistered, deactivated (the provider said the token is dead), moved_away (the token registered under another user)'),
    tokenSuffix: z.string().max(8).optional().describe("The token's last 8 characters, for logs"),
    at: IsoTimestamp,
  })
  .strict();
export type DeviceChange = z.infer<typeof DeviceChangeV1>;
