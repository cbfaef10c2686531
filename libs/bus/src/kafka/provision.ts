import type { Admin } from 'kafkajs';
import type { TopicSpec } from '@notify/contracts';
import { physicalTopicName } from '../topic-names';

/**
 * Creates the catalogue's topics that do not exist yet, with their partition counts, retention and
 * compaction. Existing topics are left alone: changing partitions re-keys users, an operator's decision.
 */
export async function provisionTopics(admin: Admin, prefix: string, specs: readonly TopicSpec<unknown>[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(physicalTopicName(prefix, spec.name)));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((spec) => ({
      topic: physicalTopicName(prefix, spec.name),
      numPartitions: spec.partitions,
      replicationFactor: -1, // the broker's default.replication.factor
      configEntries: [
        { name: 'cleanup.policy', value: spec.cleanup },
        { name: 'retention.ms', value: String(spec.retentionMs) },
        // A record batch, not one message: room for the producers' merged requests. Intake checks each message's own limit.
        { name: 'max.message.bytes', value: String(Math.max(spec.maxMessageBytes + 64 * 1024, 1024 * 1024)) },
      ],
    })),
  });
  return missing.map((spec) => physicalTopicName(prefix, spec.name));
}
