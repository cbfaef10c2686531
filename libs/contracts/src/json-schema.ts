import { z } from 'zod';
import { allTopics } from './topics/catalogue';

/** One JSON Schema document per topic, for producers and consumers written in other languages. */
export function topicJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const spec of allTopics) {
    const schema = z.toJSONSchema(spec.schema, { target: 'draft-2020-12', io: 'input' });
    const document = {
      $id: `${spec.name}.v1.schema.json`,
      title: spec.name,
      'x-topic': {
        description: spec.description,
        partitions: spec.partitions,
        cleanupPolicy: spec.cleanup,
        retentionMs: spec.retentionMs,
        maxMessageBytes: spec.maxMessageBytes,
      },
      ...schema,
    };
    files.set(`${spec.name}.v1.schema.json`, `${JSON.stringify(document, null, 2)}\n`);
  }
  return files;
}
