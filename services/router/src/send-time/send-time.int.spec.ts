import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@notify/bus';
import { topics, type DeliveryStatus } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { waitFor, type ServiceProcess } from '@notify/testing';
import { adminHeaders as admin, producerHeaders as producer, routerEnv, startRouter } from '../../test/router-process';
import { localMinutes } from '../digests/digest-schedule';

const DAY_MS = 24 * 60 * 60 * 1000;
let router: ServiceProcess;
let bus: KafkaBus;
let base: string;
const batched: DeliveryStatus[] = [];

beforeAll(async () => {
  const env = await routerEnv('send-time');
  ({ base, process: router } = await startRouter(env));
  bus = new KafkaBus({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'observer', service: 'observer', topicPrefix: env.TOPIC_PREFIX!, logger: silentLogger(), metrics: createMetricsRegistry('o', { processMetrics: false }), provision: [] });
  await bus.start();
  await bus.subscribe(topics.deliveryStatus, { groupId: 'observer', partitionsConcurrently: 8 }, async (m) => void (m.value.status === 'batched' && batched.push(m.value)));
}, 60_000);
afterAll(async () => {
  await router?.stop('SIGKILL');
  await bus?.stop();
});

const request = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? producer, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** 20:10 on a Tokyo clock (UTC+9, no daylight saving time), `daysAgo` days before today. */
const tokyo2010 = (daysAgo: number) => {
  const day = new Date(Date.now() - daysAgo * DAY_MS);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 11, 10));
};

describe('send-time optimisation on real Kafka and the MongoDB-wire server', () => {
  it('learns from read steps on delivery.status that a user reads at 20:00 and schedules their next digest then', async () => {
    for (const userId of ['zoe', 'yann']) expect((await request(`/v1/users/${userId}/preferences`, { method: 'PATCH', body: { timeZone: 'Asia/Tokyo' } })).status).toBe(200);
    // Reads are placed on the clock of the router's view of preferences: wait until it has Zoe's.
    await waitFor('the router to know Zoe’s time zone', async () => (await request('/v1/users/zoe/send-time')).body.timeZone === 'Asia/Tokyo', { timeoutMs: 20_000 });
    expect((await request('/v1/users/zoe/send-time?fallbackAt=09:00')).body).toMatchObject({ hour: null, learned: false, usesFallback: true, sendAt: '09:00', samples: 0 });

    // The gateway's read steps (as it writes them to delivery.status), at 20:10 in Tokyo on six of the last days.
    const reads = [1, 2, 3, 4, 5, 6].map((daysAgo): DeliveryStatus => ({ version: 1, eventId: `e${daysAgo}`, notificationId: `e${daysAgo}:zoe`, userId: 'zoe', status: 'read', channel: 'inapp', service: 'gateway', at: tokyo2010(daysAgo).toISOString() }));
    await bus.publish(topics.deliveryStatus, reads.map((value) => ({ value })));
    await waitFor('six reading hours learned', async () => (await request('/v1/users/zoe/send-time')).body.samples === 6, { timeoutMs: 30_000 });
    // The same steps again (a replayed partition): still six.
    await bus.publish(topics.deliveryStatus, reads.map((value) => ({ value })));
    const marker: DeliveryStatus = { version: 1, eventId: 'marker', notificationId: 'marker:zoe', userId: 'zoe', status: 'read', channel: 'inapp', service: 'gateway', at: new Date(Date.UTC(2026, 0, 1, 3)).toISOString() };
    await bus.publish(topics.deliveryStatus, [{ value: marker }]);
    await waitFor('the marker after the replay learned', async () => (await request('/v1/users/zoe/send-time')).body.samples === 7, { timeoutMs: 30_000 });
    const learned = (await request('/v1/users/zoe/send-time?fallbackAt=09:00')).body;
    expect(learned).toMatchObject({ timeZone: 'Asia/Tokyo', hour: 20, learned: true, usesFallback: false, sendAt: '20:00', samples: 7 });

    const rule = { ruleId: 'weekly', name: 'Weekly offers at each user’s best hour', definition: { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching: { windowMs: 60_000, maxItems: 20, title: '{{count}} offers', sendAt: 'best', fallbackAt: '09:00' } } } };
    expect((await request('/v1/admin/rules', { method: 'POST', headers: admin, body: rule })).status).toBe(201);
    const offer = (id: string, userId: string) => ({ version: 1, id, type: 'promo.weekly', to: { userId }, payload: { title: id }, createdAt: new Date().toISOString() });
    expect((await request('/v1/events', { method: 'POST', body: { events: [offer('o1', 'zoe'), offer('o2', 'yann')] } })).status).toBe(202);
    await waitFor('both batched', () => batched.length === 2, { timeoutMs: 30_000 });

    const detail = (userId: string) => batched.find((s) => s.userId === userId)!.detail as { sendAt: string; sendTime: Record<string, unknown> };
    const zoeAt = new Date(detail('zoe').sendAt);
    expect(localMinutes(zoeAt, 'Asia/Tokyo')).toBe(20 * 60);
    expect(zoeAt.getTime() - Date.now()).toBeGreaterThan(0);
    expect(zoeAt.getTime() - Date.now()).toBeLessThanOrEqual(DAY_MS);
    expect(detail('zoe').sendTime).toMatchObject({ sendAt: '20:00', source: 'learned', hour: 20, samples: 7 });
    // Yann never read: the rule's fallback, 09:00 on his clock.
    expect(localMinutes(new Date(detail('yann').sendAt), 'Asia/Tokyo')).toBe(9 * 60);
    expect(detail('yann').sendTime).toMatchObject({ sendAt: '09:00', source: 'fallback', samples: 0 });
  }, 120_000);
});
