import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders as ops, producerHeaders, routerEnv, startRouter } from '../../test/router-process';

/** A second person with an admin token of their own: actions are recorded under each one's name. */
const ann = { 'content-type': 'application/json', authorization: 'Bearer ann-secret-0123456789abcdef' };
let router: ServiceProcess;
let bus: KafkaBus;
let base: string;

interface LetterSummary { id: string; reason: string; state: string; source: { topic: string; key: string | null }; handled?: { actor: string; action: string } }
const get = async <T>(path: string, headers: Record<string, string> = ops): Promise<T> => {
  const res = await fetch(`${base}${path}`, { headers });
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
};
const post = (path: string, body: unknown, headers: Record<string, string> = ops) => fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
const letters = (query: string) => get<{ letters: LetterSummary[] }>(`/v1/admin/dead-letters?${query}`).then((r) => r.letters);

beforeAll(async () => {
  const env = await routerEnv('dead-letters');
  ({ base, process: router } = await startRouter({ ...env, ADMIN_TOKENS: `${env.ADMIN_TOKENS},ann:ann-secret-0123456789abcdef` }));
  bus = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'producer', service: 'producer', topicPrefix: env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry('p', { processMetrics: false }), provision: [] });
  await bus.start();
}, 60_000);
afterAll(async () => {
  await router?.stop('SIGKILL');
  await bus?.stop();
});

describe('dead letters in the ops console API, on real Kafka and the MongoDB-wire server', () => {
  it('lists letters by reason with their bytes, replays one after the fix (routed), discards another, and records who did each', async () => {
    const mystery = JSON.stringify({ version: 1, id: 'mystery-1', type: 'mystery.kind', to: { userId: 'zoe' }, payload: { title: 'hello' }, createdAt: new Date().toISOString() });
    await bus.publishRaw(topics.notifyEvents, [{ key: 'zoe', value: mystery }, { key: 'zoe', value: '{"version":1, not json' }]);

    let unknown: LetterSummary[] = [];
    await waitFor('the unknown type to be listed', async () => (unknown = await letters('reason=unknown_type')).length === 1, { timeoutMs: 30_000 });
    expect(unknown[0]).toMatchObject({ reason: 'unknown_type', state: 'open', source: { topic: 'notify.events', key: 'zoe' } });
    const [malformed] = await letters('reason=malformed_json');
    expect(malformed).toMatchObject({ reason: 'malformed_json', state: 'open' });
    const detail = await get<{ originalText: string; originalBase64: string; bytes: number }>(`/v1/admin/dead-letters/${unknown[0]!.id}`);
    expect(detail.originalText).toBe(mystery);
    expect(Buffer.from(detail.originalBase64, 'base64').toString()).toBe(mystery);
    expect(detail.bytes).toBe(Buffer.byteLength(mystery));

    // The fix: a rule for the type. Then the letter goes back to notify.events and is routed.
    expect((await post('/v1/admin/rules', { ruleId: 'mystery', name: 'mystery kinds', definition: { match: { types: ['mystery.*'] }, outcome: { priority: 'transactional' } } })).status).toBe(201);
    const replay = await post('/v1/admin/dead-letters/replay', { ids: [unknown[0]!.id] });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ done: [unknown[0]!.id], skipped: [] });
    await waitFor('the replayed event to be routed', async () => {
      const res = await fetch(`${base}/v1/events/mystery-1/history`, { headers: ops });
      return res.status === 200 && ((await res.json()) as { history: Array<{ status: string }> }).history.some((s) => s.status === 'routed');
    }, { timeoutMs: 30_000 });

    const discard = await post('/v1/admin/dead-letters/discard', { ids: [malformed!.id] }, ann);
    expect(await discard.json()).toMatchObject({ done: [malformed!.id] });

    // Handled letters are no longer offered, and handling one again does nothing.
    expect(await letters('')).toEqual([]);
    expect((await letters('state=all')).map((l) => [l.id, l.state, l.handled?.actor])).toEqual(
      expect.arrayContaining([[unknown[0]!.id, 'replayed', 'ops'], [malformed!.id, 'discarded', 'ann']]),
    );
    expect(await (await post('/v1/admin/dead-letters/replay', { ids: [unknown[0]!.id, malformed!.id] }, ann)).json()).toMatchObject({ done: [], skipped: [{ id: unknown[0]!.id, why: 'already handled' }, { id: malformed!.id, why: 'already handled' }] });

    const { actions } = await get<{ actions: Array<{ action: string; actor: string; at: string; letters: Array<{ id: string; reason: string }> }> }>('/v1/admin/dead-letters/actions');
    expect(actions.map((a) => [a.action, a.actor, a.letters.map((l) => [l.id, l.reason])])).toEqual([
      ['discard', 'ann', [[malformed!.id, 'malformed_json']]],
      ['replay', 'ops', [[unknown[0]!.id, 'unknown_type']]],
    ]);
  }, 90_000);

  it('refuses a bad filter or body with a clear message, and other tokens altogether', async () => {
    const bad = await fetch(`${base}/v1/admin/dead-letters?reason=bogus`, { headers: ops });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'NOTIFY_ERR_VALIDATION', message: expect.stringContaining('reason') } });
    expect((await post('/v1/admin/dead-letters/replay', { ids: ['nope'] })).status).toBe(400);
    expect((await fetch(`${base}/v1/admin/dead-letters/0:999999`, { headers: ops })).status).toBe(404);
    expect((await fetch(`${base}/v1/admin/dead-letters`, { headers: producerHeaders })).status).toBe(403);
  });

  it('finds a user’s recent notifications with their latest status (admin only)', async () => {
    const sent = await post('/v1/events', { version: 1, id: 'trail-1', type: 'order.shipped', priority: 'transactional', to: { userId: 'yara' }, payload: { title: 'shipped' }, createdAt: new Date().toISOString() }, producerHeaders);
    expect(sent.status).toBe(202);
    let found: Array<{ notificationId: string; eventId: string; status: string }> = [];
    await waitFor('yara’s notification', async () => (found = (await get<{ notifications: typeof found }>('/v1/admin/users/yara/notifications?limit=5')).notifications).length > 0, { timeoutMs: 30_000 });
    expect(found[0]).toMatchObject({ notificationId: 'trail-1:yara', eventId: 'trail-1' });
    expect(['routed', 'sent', 'delivered', 'pushed']).toContain(found[0]!.status);
    expect((await fetch(`${base}/v1/admin/users/yara/notifications`, { headers: producerHeaders })).status).toBe(403);
    expect((await fetch(`${base}/v1/admin/users/yara/notifications?limit=0`, { headers: ops })).status).toBe(400);
  }, 60_000);
});
