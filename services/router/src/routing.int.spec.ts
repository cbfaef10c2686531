import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type DeadLetter, type DeliveryStatus, type Notification } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders as admin, producerHeaders as producer, routerEnv, startRouter } from '../test/router-process';
let router: ServiceProcess;
let bus: KafkaBus;
let base: string;
const seen = { inapp: [] as Notification[], push: [] as Notification[], status: [] as DeliveryStatus[], dlq: [] as DeadLetter[] };

const event = (id: string, type: string, userId: string, extra: Record<string, unknown> = {}) => ({ version: 1, id, type, to: { userId }, payload: { title: id }, createdAt: new Date().toISOString(), ...extra });
const post = (path: string, body: unknown, headers = producer, method = 'POST') => fetch(`${base}${path}`, { method, headers, body: JSON.stringify(body) });
const statusOf = (notificationId: string) => seen.status.filter((s) => s.notificationId === notificationId).map((s) => s.status);

beforeAll(async () => {
  const env = await routerEnv('routing');
  ({ base, process: router } = await startRouter(env));
  bus = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'observer', service: 'observer', topicPrefix: env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry('o', { processMetrics: false }), provision: [] });
  await bus.start();
  await bus.subscribe(topics.deliverInapp, { groupId: 'observer' }, async (m) => void seen.inapp.push(m.value));
  await bus.subscribe(topics.deliverPushTransactional, { groupId: 'observer' }, async (m) => void seen.push.push(m.value));
  await bus.subscribe(topics.deliveryStatus, { groupId: 'observer', partitionsConcurrently: 8 }, async (m) => void seen.status.push(m.value));
  await bus.subscribe(topics.notifyDlq, { groupId: 'observer' }, async (m) => void seen.dlq.push(m.value));
}, 60_000);
afterAll(async () => {
  await router?.stop('SIGKILL');
  await bus?.stop();
});

describe('routing on real Kafka and the MongoDB-wire server', () => {
  it('applies every rule outcome, preferences and idempotency, and records each decision', async () => {
    const rules = [
      { ruleId: 'otp', name: 'OTP', order: 1, definition: { match: { types: ['auth.otp'] }, outcome: { priority: 'critical', channels: { mode: 'push_only' }, collapseKey: 'otp' } } },
      { ruleId: 'chat', name: 'chat in-app only', order: 2, definition: { match: { types: ['chat.*'] }, outcome: { channels: { mode: 'inapp_only' } } } },
      { ruleId: 'silence', name: 'incident', order: 3, definition: { match: { types: ['noise.*'] }, outcome: { suppress: true } } },
      { ruleId: 'flash', name: 'short-lived', order: 4, definition: { match: { types: ['flash.*'] }, outcome: { priority: 'transactional', ttlSeconds: 1 } } },
      { ruleId: 'capped', name: 'one promo push a day', order: 5, definition: { match: { types: ['promo.push'] }, outcome: { priority: 'normal', channels: { mode: 'push_only' }, rateCap: { max: 1, per: 'day' } } } },
      { ruleId: 'night', name: 'reminders respect quiet hours', order: 6, definition: { match: { types: ['reminder.*'] }, outcome: { priority: 'normal', channels: { mode: 'push_only' }, quietHours: 'drop' } } },
    ];
    for (const rule of rules) expect((await post('/v1/admin/rules', rule, admin)).status).toBe(201);
    await waitFor('the router to load six rules', async () => ((await (await fetch(`${base}/v1/admin/rules`, { headers: admin })).json()) as { loaded: { version: string } }).loaded.version.split(',').length === 6);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    expect((await post('/v1/users/bob/preferences', { optOuts: [{ category: 'social', channel: 'all' }] }, producer, 'PATCH')).status).toBe(200);
    expect((await post('/v1/users/carol/preferences', { timeZone: 'UTC', quietHours: { start: hhmm(new Date(Date.now() - 3_600_000)), end: hhmm(new Date(Date.now() + 3_600_000)) } }, producer, 'PATCH')).status).toBe(200);

    const batch = [
      event('otp-1', 'auth.otp', 'alice'),
      event('chat-1', 'chat.message', 'alice'),
      event('noise-1', 'noise.ping', 'alice'),
      event('flash-1', 'flash.sale', 'alice', { createdAt: new Date(Date.now() - 10_000).toISOString() }),
      event('promo-1', 'promo.push', 'alice'),
      event('promo-2', 'promo.push', 'alice'),
      event('remind-1', 'reminder.due', 'carol'),
      event('like-1', 'social.like', 'bob', { category: 'social', priority: 'transactional' }),
      event('pay-1', 'payment.done', 'dave', { priority: 'transactional' }),
    ];
    expect((await post('/v1/events', { events: batch })).status).toBe(202);
    expect((await post('/v1/events', event('pay-1', 'payment.done', 'dave', { priority: 'transactional' }))).status).toBe(202); // a producer retry

    await waitFor('every decision', () => ['otp-1', 'chat-1', 'noise-1', 'flash-1', 'promo-2', 'remind-1', 'like-1'].every((id) => seen.status.some((s) => s.eventId === id)) && seen.status.some((s) => s.eventId === 'pay-1' && s.status === 'duplicate'), { timeoutMs: 30_000 });
    // The lanes are topics of their own: a decision's status may be heard before its notification.
    await waitFor('the routed notifications on their lanes', () => ['chat-1', 'pay-1'].every((id) => seen.inapp.some((n) => n.eventId === id)) && ['otp-1', 'promo-1', 'pay-1'].every((id) => seen.push.some((n) => n.eventId === id)), { timeoutMs: 30_000 });

    expect(seen.push.find((n) => n.eventId === 'otp-1')).toMatchObject({ priority: 'critical', collapseKey: 'otp' });
    expect(seen.inapp.find((n) => n.eventId === 'otp-1')).toBeUndefined();
    const chat = seen.inapp.find((n) => n.eventId === 'chat-1');
    expect(chat).toBeDefined();
    expect(chat!.fallback).toBeUndefined();
    expect(statusOf('noise-1:alice')).toEqual(['suppressed']);
    expect(statusOf('flash-1:alice')).toEqual(['expired']);
    expect(seen.push.filter((n) => n.eventId.startsWith('promo-')).map((n) => n.eventId)).toEqual(['promo-1']);
    expect(statusOf('promo-2:alice')).toEqual(['rate_capped']);
    expect(seen.status.find((s) => s.notificationId === 'remind-1:carol')).toMatchObject({ status: 'suppressed', reason: 'in the user’s quiet hours' });
    expect(seen.status.find((s) => s.notificationId === 'like-1:bob')).toMatchObject({ status: 'suppressed', reason: 'opted out of social in-app and push notifications' });
    // dave has no live socket: pushed at once, and kept in-app for later; the retry reached him once.
    expect(seen.push.filter((n) => n.eventId === 'pay-1')).toHaveLength(1);
    expect(seen.inapp.filter((n) => n.eventId === 'pay-1')).toHaveLength(1);
  }, 90_000);

  it('dead-letters bad input with its reason and the original bytes, and keeps routing', async () => {
    const raw = (value: string) => bus.publishRaw(topics.notifyEvents, [{ key: 'erin', value }]);
    await raw('{"version":1,');
    await raw(JSON.stringify({ ...event('v2', 'x.y', 'erin'), version: 2 }));
    await raw(JSON.stringify({ version: 1, id: 'nobody', type: 'x.y', payload: {}, createdAt: new Date().toISOString() }));
    await raw(JSON.stringify({ ...event('huge', 'x.y', 'erin', { priority: 'transactional' }), payload: { blob: 'x'.repeat(300 * 1024) } }));
    await raw(JSON.stringify(event('mystery', 'mystery.thing', 'erin')));
    await raw(JSON.stringify(event('after-bad', 'x.y', 'erin', { priority: 'transactional' })));
    await waitFor('five dead letters and the good event', () => seen.dlq.length >= 5 && seen.inapp.some((n) => n.eventId === 'after-bad'), { timeoutMs: 30_000 });
    expect(seen.dlq.map((d) => d.reason).sort()).toEqual(['malformed_json', 'no_recipient', 'too_large', 'unknown_type', 'unknown_version']);
    expect(Buffer.from(seen.dlq.find((d) => d.reason === 'malformed_json')!.originalBase64, 'base64').toString()).toBe('{"version":1,');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/notify_bus_dead_lettered_total\{topic="notify.events",reason="too_large",service="router"\} 1/);
  }, 60_000);

  it('dead-letters what can never be routed on first sight, never retried, and the trail says dead_lettered', async () => {
    const raw = (value: string) => bus.publishRaw(topics.notifyEvents, [{ key: 'frank', value }]);
    const longTitle = { ...event('long-title', 'x.y', 'frank', { priority: 'transactional' }), payload: { title: 't'.repeat(300) } };
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `{"next":${deep}}`;
    await raw(JSON.stringify(longTitle));
    await raw(JSON.stringify({ ...event('too-deep', 'x.y', 'frank', { priority: 'transactional' }), payload: { deep: 0 } }).replace('{"deep":0}', `{"deep":${deep}}`));
    await raw(JSON.stringify(event('proto', 'x.y', 'frank', { priority: 'transactional' })).replace('"payload":{', '"payload":{"__proto__":{"polluted":true},'));
    await raw(JSON.stringify(event('after-those', 'x.y', 'frank', { priority: 'transactional' })));
    const ids = ['long-title', 'too-deep', 'proto'];
    await waitFor('three dead letters on the trail and the good event routed', () => ids.every((id) => seen.status.some((s) => s.eventId === id && s.status === 'dead_lettered')) && seen.inapp.some((n) => n.eventId === 'after-those'), { timeoutMs: 30_000 });
    const letters = seen.dlq.filter((d) => ids.some((id) => Buffer.from(d.originalBase64, 'base64').toString().startsWith(`{"version":1,"id":"${id}"`)));
    expect(letters.map((d) => [d.reason, d.attempts, d.message]).sort()).toEqual([
      ['invalid_envelope', 0, 'payload.__proto__: "__proto__" is a reserved key and may not be used'],
      ['invalid_envelope', 0, expect.stringMatching(/^payload\.deep(\.next)+: nested deeper than 16 levels$/)],
      ['invalid_envelope', 0, 'payload.title: 300 characters; at most 256'],
    ]);
    // Set aside before routing: no retries, so no `routed` status and nothing delivered for them.
    expect(seen.status.filter((s) => ids.includes(s.eventId) && s.status !== 'dead_lettered')).toEqual([]);
    expect(seen.status.find((s) => s.eventId === 'long-title' && s.status === 'dead_lettered')!.reason).toBe('invalid_envelope: payload.title: 300 characters; at most 256');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  }, 60_000);
});
