import { copyFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshProject, packPackage, uniqueName, waitFor, type FreshProject } from '@notify/testing';
import { producerToken, startRouter, type RouterUnderTest } from './router-process';

/**
 * The package as an app gets it: `npm pack`, installed from the tarball into a new project outside
 * the repository, run with plain node against a real router process on the real Kafka.
 */
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
let project: FreshProject;
let tarball: string;
let router: RouterUnderTest;

beforeAll(async () => {
  // A small intake rate limit (3 requests a second per token), for the test of its 429s.
  [router, tarball] = await Promise.all([startRouter({ ROUTER_INTAKE_RATE_LIMIT: '3', ROUTER_INTAKE_RATE_WINDOW_MS: '1000' }), packPackage(packageDir)]);
  project = await freshProject([tarball], ['kafkajs', 'typescript', '@types/node']);
  for (const example of ['send-over-http.mjs', 'send-over-kafka.mjs']) await copyFile(join(packageDir, 'examples', example), join(project.dir, example));
}, 300_000);

afterAll(async () => {
  await router?.stop();
  await project?.remove();
  if (tarball) await rm(dirname(tarball), { recursive: true, force: true });
});

const parse = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Array<{ id: string; lane: string }>;

describe('@notify/producer, packed and installed', () => {
  it('ships built JavaScript and types only, depending on no private package', async () => {
    const manifest = (await import(join(project.dir, 'node_modules/@notify/producer/package.json'), { with: { type: 'json' } })).default as Record<string, Record<string, string>>;
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['zod']);
    expect(manifest.peerDependencies).toEqual({ kafkajs: expect.any(String) });
    await project.write('check.mjs', `import * as p from '@notify/producer'; import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('@notify/producer');
console.log(JSON.stringify({ esm: typeof p.createProducer, cjs: typeof cjs.createProducer }));`);
    const result = await project.node('check.mjs');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ esm: 'function', cjs: 'function' });
  });

  it('sends over HTTP: the router takes both events, marketing on the bulk lane, and routes them', async () => {
    const userId = uniqueName('http-user');
    const result = await project.node('send-over-http.mjs', { env: { NOTIFY_URL: router.base, NOTIFY_TOKEN: producerToken }, args: [userId] });
    expect(result.stderr).toBe('');
    const sent = parse(result.stdout);
    expect(sent.map((s) => s.lane)).toEqual(['default', 'bulk']);
    expect(new Set(sent.map((s) => s.id)).size).toBe(2);
    for (const { id } of sent) await waitFor(`the router's history of ${id}`, async () => (await router.history(id)).length > 0, { timeoutMs: 20_000, intervalMs: 200 });
  });

  it('refuses an invalid event naming the field, and a bad token without retrying, sending nothing', async () => {
    await project.write(
      'refusals.mjs',
      `import { createProducer } from '@notify/producer';
const out = {};
const good = createProducer({ http: { url: process.env.NOTIFY_URL, token: process.env.NOTIFY_TOKEN } });
try { await good.send({ type: 'order.shipped', to: { userId: 'u1' }, payload: { title: 7 }, priority: 'urgent' }); } catch (err) { out.invalid = [err.name, err.reason, err.message]; }
await good.close();
const bad = createProducer({ http: { url: process.env.NOTIFY_URL, token: 'not-a-token' } });
const started = Date.now();
try { await bad.send({ type: 'order.shipped', to: { userId: 'u1' }, payload: {}, priority: 'transactional' }); } catch (err) { out.unauthorized = [err.name, err.status, err.code, err.retriable, err.options.attempts]; }
out.ms = Date.now() - started;
await bad.close();
console.log(JSON.stringify(out));`,
    );
    const result = await project.node('refusals.mjs', { env: { NOTIFY_URL: router.base, NOTIFY_TOKEN: producerToken } });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { invalid: string[]; unauthorized: unknown[]; ms: number };
    expect(out.invalid[0]).toBe('InvalidEventError');
    expect(out.invalid[1]).toBe('invalid_envelope');
    expect(out.invalid[2]).toMatch(/priority: /);
    expect(out.unauthorized).toEqual(['ProducerError', 401, 'NOTIFY_ERR_UNAUTHENTICATED', false, 1]);
    expect(out.ms).toBeLessThan(2000);
  });

  it('waits out the router’s rate limit (429 with Retry-After) and sends every event once', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // a fresh window
    const userId = uniqueName('limited-user');
    await project.write(
      'rate-limited.mjs',
      `import { createProducer } from '@notify/producer';
const producer = createProducer({ http: { url: process.env.NOTIFY_URL, token: process.env.NOTIFY_TOKEN }, batching: { maxEvents: 1, lingerMs: 0 } });
const started = Date.now();
const sent = await producer.sendMany(Array.from({ length: 6 }, (_, i) => ({ type: 'order.shipped', to: { userId: process.argv[2] }, priority: 'transactional', payload: { i } })));
console.log(JSON.stringify({ ids: sent.map((s) => s.id), ms: Date.now() - started }));
await producer.close();`,
    );
    const result = await project.node('rate-limited.mjs', { args: [userId], env: { NOTIFY_URL: router.base, NOTIFY_TOKEN: producerToken } });
    expect(result.stderr).toBe('');
    const { ids, ms } = JSON.parse(result.stdout) as { ids: string[]; ms: number };
    expect(new Set(ids).size).toBe(6);
    // Three requests fit in the first second; the fourth was refused and sent again after Retry-After.
    expect(ms).toBeGreaterThanOrEqual(900);
    for (const id of ids) await waitFor(`the router's history of ${id}`, async () => (await router.history(id)).length > 0, { timeoutMs: 20_000, intervalMs: 200 });
  });

  it('sends over Kafka: keyed by recipient on the prefixed intake topic, and the router routes them', async () => {
    const userId = uniqueName('kafka-user');
    const result = await project.node('send-over-kafka.mjs', { env: { KAFKA_BROKERS: router.brokers.join(','), TOPIC_PREFIX: router.topicPrefix }, args: [userId] });
    expect(withoutKafkajsTimerWarning(result.stderr)).toBe('');
    const sent = parse(result.stdout);
    expect(sent).toEqual(['packed', 'shipped', 'delivered'].map((step) => ({ id: `order-o-1001-${step}`, lane: 'default' })));
    for (const { id } of sent) await waitFor(`the router's history of ${id}`, async () => (await router.history(id)).some((h) => h.userId === userId), { timeoutMs: 20_000, intervalMs: 200 });
    // The records themselves: on <prefix>.notify.events, keyed by the recipient, in the order sent.
    const kafka = new Kafka({ clientId: 'producer-test', brokers: router.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniqueName('producer-test') });
    const records: Array<{ key: string; id: string }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: `${router.topicPrefix}.notify.events`, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void records.push({ key: message.key!.toString(), id: (JSON.parse(message.value!.toString()) as { id: string }).id }) });
      await waitFor('the three records', () => records.filter((r) => r.key === userId).length >= 3, { timeoutMs: 20_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(records.filter((r) => r.key === userId).map((r) => r.id)).toEqual(sent.map((s) => s.id));
  });

  it('type-checks an app against the installed types: events are typed from the contracts', async () => {
    await project.write(
      'app.ts',
      `import { createProducer, InvalidEventError, type EventInput, type SendResult } from '@notify/producer';
const producer = createProducer({ http: { url: 'http://127.0.0.1:1', token: 't' }, batching: { lingerMs: 1 } });
const event: EventInput = { type: 'order.shipped', to: { userIds: ['a', 'b'] }, payload: { title: 'x' }, priority: 'marketing', ttl: 60 };
const sent: Promise<SendResult> = producer.send(event);
// @ts-expect-error: not a priority class
const wrong: EventInput = { type: 't', to: { userId: 'a' }, payload: {}, priority: 'urgent' };
// @ts-expect-error: a recipient is required
producer.send({ type: 't', payload: {} });
export { sent, wrong, InvalidEventError };
`,
    );
    const result = await project.typecheck(['app.ts']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
    // A cold tsc over the installed packages: past 30 s with the other suites running (timed out in CI).
  }, 120_000);
});

/**
 * kafkajs 2.2.4 (the app's own copy, from the registry) sets a timer with a negative delay, which
 * Node 24 reports once per process as a TimeoutNegativeWarning; Node waits 1 ms, as it always did.
 * The platform's services carry a fix (patches/); an app's kafkajs does not, so the warning is
 * expected here and documented in the producer's README. Anything else on stderr still fails.
 */
function withoutKafkajsTimerWarning(stderr: string): string {
  return stderr.replace(/^\(node:\d+\) TimeoutNegativeWarning: -\d+ is a negative number\.\nTimeout duration was set to 1\.\n(\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n)?/m, '');
}
