import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { allTopics } from './topics/catalogue';
import { topicJsonSchemas } from './json-schema';

describe('docs/schemas', () => {
  it('holds one up-to-date JSON Schema per topic (run `npm run schemas` when this fails)', async () => {
    const generated = topicJsonSchemas();
    expect([...generated.keys()].sort()).toEqual(allTopics.map((t) => `${t.name}.v1.schema.json`).sort());
    for (const [file, content] of generated) {
      const checkedIn = await readFile(new URL(`../../../docs/schemas/${file}`, import.meta.url), 'utf8');
      expect(checkedIn, file).toBe(content);
    }
  });
});
