import { describe, expect, it } from 'vitest';
import { MemoryBus, type BusMessage } from '@notify/bus';
import { topics, type DeadLetter, type NotifyEvent } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore } from '@notify/store';
import { waitFor } from '@notify/testing';
import { DeadLetterIndex } from './dead-letter-index';
import { REPLAYED_FROM_HEADER, actionLog, discardLetters, listLetters, replayLetters, type DeadLetterDeps } from './handle-dead-letters';

const event = (id: string): NotifyEvent => ({ version: 1, id, type: 'order.shipped', priority: 'transactional', to: { userId: 'kim' }, payload: { title: id }, createdAt: '2026-12-02T08:00:00.000Z' });
const letter = (original: string, topic = 'notify.events'): DeadLetter => ({
  version: 1,
  reason: 'unknown_type',
  message: 'no rule matches',
  source: { topic, partition: 3, offset: '41', key: 'kim' },
  originalBase64: Buffer.from(original).toString('base64'),
  attempts: 1,
  service: 'router',
  failedAt: '2026-12-02T08:00:01.000Z',
});

async function setUp(provision = [topics.notifyEvents, topics.notifyDlq]): Promise<DeadLetterDeps> {
  const bus = new MemoryBus({ service: 'test', logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }), provision });
  await bus.start();
  const index = new DeadLetterIndex(1024 * 1024);
  index.add(0, '0', letter(JSON.stringify(event('e-0'))));
  index.add(0, '1', letter(JSON.stringify(event('e-1'))));
  index.add(0, '2', letter('{}', 'no.such.topic'));
  return { index, actions: createMemoryStore().deadLetterActions, bus };
}

describe('replaying and discarding dead letters', () => {
  it('sends the original bytes back to their topic with their key, once even when two people replay at once', async () => {
    const deps = await setUp();
    const seen: BusMessage<NotifyEvent>[] = [];
    await deps.bus.subscribe(topics.notifyEvents, { groupId: 'router' }, async (m) => void seen.push(m));
    const [first, second] = await Promise.all([replayLetters(deps, ['0:0'], 'ann'), replayLetters(deps, ['0:0', '0:2', '9:9'], 'bob')]);
    expect(first).toMatchObject({ done: ['0:0'], skipped: [] });
    expect(second.done).toEqual([]);
    expect(second.skipped).toEqual(
      expect.arrayContaining([
        { id: '0:0', why: 'already handled' },
        { id: '0:2', why: 'its topic no.such.topic cannot be replayed to' },
        { id: '9:9', why: 'no such letter (or older than this router holds)' },
      ]),
    );
    await waitFor('the replayed event', () => seen.length === 1);
    expect(seen[0]).toMatchObject({ key: 'kim', value: event('e-0'), headers: { [REPLAYED_FROM_HEADER]: '0:0' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(1);
  });

  it('shows handled letters as such, only open ones by default, and logs who did what', async () => {
    const deps = await setUp();
    await replayLetters(deps, ['0:0'], 'ann', new Date('2026-12-02T09:00:00Z'));
    await discardLetters(deps, ['0:1'], 'bob', new Date('2026-12-02T09:05:00Z'));
    const open = await listLetters(deps, { state: 'open', limit: 10 });
    expect(open.letters.map((l) => l.id)).toEqual(['0:2']);
    expect(open.matched).toBe(3);
    const all = await listLetters(deps, { state: 'all', limit: 10 });
    expect(all.letters.map((l) => [l.id, l.state, l.handled?.actor])).toEqual([['0:2', 'open', undefined], ['0:1', 'discarded', 'bob'], ['0:0', 'replayed', 'ann']]);
    expect((await actionLog(deps, 10)).map((a) => [a.action, a.actor, a.letters.map((l) => l.id)])).toEqual([['discard', 'bob', ['0:1']], ['replay', 'ann', ['0:0']]]);
  });

  it('leaves letters open when their topic does not take the replay', async () => {
    const deps = await setUp([topics.notifyDlq]); // notify.events does not exist on this bus: the publish fails
    await expect(replayLetters(deps, ['0:0', '0:1'], 'ann')).rejects.toThrow(/unknown topic notify.events/);
    expect((await listLetters(deps, { state: 'open', limit: 10 })).letters.map((l) => l.id)).toEqual(['0:2', '0:1', '0:0']);
    expect(await actionLog(deps, 10)).toEqual([]);
  });
});
