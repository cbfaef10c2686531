import { describe, expect, it } from 'vitest';
import { allTopics, topics } from './catalogue';

describe('topic catalogue', () => {
  it('has unique names', () => {
    const names = allTopics.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('compacts exactly the state topics', () => {
    expect(allTopics.filter((t) => t.cleanup === 'compact').map((t) => t.name)).toEqual([topics.presenceState.name, topics.preferencesState.name]);
  });

  it('gives marketing its own intake lane beside the default one', () => {
    expect(topics.notifyEventsBulk.name).not.toBe(topics.notifyEvents.name);
    expect(topics.deliverPushBulk.name).not.toBe(topics.deliverPushTransactional.name);
  });
});
