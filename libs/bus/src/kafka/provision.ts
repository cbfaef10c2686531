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
  // Leaders are awaited below, not by kafkajs: on a fresh broker its wait can meet "unknown topic"
  // for a just-created topic and throw it where nothing catches it, killing the process.
  await admin.createTopics({
    waitForLeaders: false,
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
  const created = missing.map((spec) => physicalTopicName(prefix, spec.name));
  await waitForLeaders(admin, created);
  return created;
}

/** Polls the metadata until every partition of `topics` has a leader; a topic still unknown is asked again. */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      if (metadata.topics.length === topics.length && metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`topics ${topics.join(', ')} have no leader for every partition after ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
