import { z } from 'zod';
import { defineTopic } from '@notify/contracts';

/** A topic only the bus contract suite uses: 8 partitions, messages carrying their key and sequence. */
export const contractTopic = defineTopic({
  name: 'bus.contract',
  description: 'Bus contract suite',
  partitions: 8,
  cleanup: 'delete',
  retentionMs: 60 * 60 * 1000,
  maxMessageBytes: 4096,
  schema: z.object({ version: z.literal(1), id: z.string(), key: z.string(), seq: z.number().int() }).strict(),
  keyOf: (m) => m.key,
});
export type ContractMessage = z.infer<typeof contractTopic.schema>;

/** `count` messages spread over `keys` keys, each key's sequence numbers ascending. */
export function contractMessages(count: number, keys: number, idPrefix = 'm'): ContractMessage[] {
  return Array.from({ length: count }, (_, i) => ({ version: 1 as const, id: `${idPrefix}-${i}`, key: `k${i % keys}`, seq: Math.floor(i / keys) }));
}
