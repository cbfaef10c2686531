import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type DeliveryStatus, type NotifyEvent } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Rule, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { PresenceView } from '../presence/presence-view';
import { RecentEvents } from '../rules/recent-events';
import { RuleHits } from '../rules/rule-hits';
import { RuleSet } from '../rules/compile';
import { RulesCache } from '../rules/rules-cache';
import { routeEvent } from '../usecases/route-event';
import { registerRulesRoutes } from './rules-routes';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
const NOW = new Date('2026-03-02T12:00:30.000Z');
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

let store: Store;
let bus: MemoryBus;
let server: HttpServer;
let statuses: DeliveryStatus[];
const presence = new PresenceView();
presence.apply({ version: 1, userId: 'alice', online: true, gateways: [{ gatewayId: 'g', sockets: 1 }], devices: 1, lastSeen: NOW.toISOString(), connections: [] });

const rule = (ruleId: string, order: number, types: string[], outcome: Record<string, unknown>): Omit<Rule, 'revision' | 'createdAt' | 'updatedAt' | 'updatedBy'> => ({ ruleId, name: ruleId, enabled: true, order, definition: { match: { types }, outcome } });
const RULES = [
  rule('orders', 1, ['order.*'], { priority: 'transactional', channels: { mode: 'inapp_then_push', pushAfterMs: 30_000 } }),
  rule('promo', 2, ['promo.*'], { priority: 'marketing', batching: { windowMs: 600_000, maxItems: 10, title: 'Offers', body: '{count} offers' } }),
  rule('alerts', 3, ['alert.*'], { priority: 'transactional', channels: { mode: 'push_only' }, quietHours: 'drop', rateCap: { max: 5, per: 'hour' } }),
];
const USERS = ['alice', 'bob', 'carol', 'dave'];
const event = (id: string, type: string): NotifyEvent => ({ version: 1, id, type, category: 'shop', to: { userIds: USERS }, payload: { title: 'hello' }, createdAt: NOW.toISOString() });

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  store = createMemoryStore();
  for (const r of RULES) await store.rules.create(r, 'ops');
  // bob opted out of shop pushes; carol is in her quiet hours (an hour either side of now); dave has no preferences.
  await store.preferences.upsert('bob', { optOuts: [{ category: 'shop', channel: 'push' }] });
  await store.preferences.upsert('carol', { timeZone: 'UTC', quietHours: { start: hhmm(new Date(NOW.getTime() - 3_600_000)), end: hhmm(new Date(NOW.getTime() + 3_600_000)) } });
  const metrics = createMetricsRegistry('t', { processMetrics: false });
  bus = new MemoryBus({ service: 't', logger: silentLogger(), metrics });
  await bus.start();
  statuses = [];
  await bus.subscribe(topics.deliveryStatus, { groupId: 'watch' }, async (m) => void statuses.push(m.value));
  const cache = new RulesCache(store.rules, silentLogger());
  await cache.reload();
  server = createHttpServer({ logger: silentLogger(), metrics });
  registerRulesRoutes(server.app, { rules: store.rules, bus, cache, tokens: parseTokens(['ops:admin-secret-0123456789'], 'admin'), preferences: store.preferences, isOnline: (u) => presence.isOnline(u), hits: new RuleHits(metrics), recent: new RecentEvents() });
});
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
  await bus.stop();
});

interface DryRunRecipient {
  userId: string;
  lanes: string[];
  suppressed?: string;
  quietHours?: { until: string; pushes: string };
  digest?: { sendAt: string };
}

/** The statuses a dry run's answer says routing records for one user. */
function predicted(r: DryRunRecipient): string[] {
  const quietPush = (lane: string) => r.quietHours && lane !== 'inapp';
  return [
    ...r.lanes.filter((lane) => !(r.digest && lane === 'push.bulk') && !quietPush(lane)).map((lane) => `routed ${lane === 'inapp' ? 'inapp' : 'push'}`),
    ...(r.digest ? [`batched until ${r.digest.sendAt}`] : []),
    ...(r.quietHours && !r.digest ? [r.quietHours.pushes === 'drop' ? `suppressed: ${r.suppressed}` : `held_quiet_hours until ${r.quietHours.until}`] : []),
    ...(r.suppressed && !r.quietHours ? [`suppressed: ${r.suppressed}`] : []),
  ].sort();
}

/** What routing recorded for one user. */
function recorded(userId: string, eventId: string): string[] {
  return statuses
    .filter((s) => s.userId === userId && s.eventId === eventId)
    .map((s) => {
      if (s.status === 'routed') return `routed ${s.channel}`;
      if (s.status === 'batched') return `batched until ${(s.detail as { sendAt: string }).sendAt}`;
      if (s.status === 'held_quiet_hours') return `held_quiet_hours until ${s.reason!.replace('quiet hours until ', '')}`;
      return `${s.status}: ${s.reason}`;
    })
    .sort();
}

describe('the rules dry run', () => {
  it.each([
    ['in-app with push fallback', 'order.shipped'],
    ['a digest (one user’s window ends in her quiet hours)', 'promo.spring'],
    ['push only, dropped in quiet hours, under a rate cap', 'alert.price'],
  ])('says what routing does, user by user: %s', async (_, type) => {
    const sent = event(`e-${type}`, type);
    const dryRun = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/dry-run', headers: admin, payload: { event: sent } });
    expect(dryRun.statusCode).toBe(200);
    const recipients = dryRun.json().recipients as DryRunRecipient[];

    const rules = RuleSet.compile(await store.rules.list());
    const decided: string[] = [];
    const onDecided = (e: NotifyEvent, ruleId: string | null, outcome: string) => void decided.push(`${e.id} ${ruleId} ${outcome}`);
    await routeEvent({ bus, lane: sent.type.startsWith('promo') ? 'bulk' : 'default', rules, idempotency: store.idempotency, digests: store.digests, preferences: store.preferences, isOnline: (u) => presence.isOnline(u), topics: store.topics, onDecided }, sent, NOW);
    // Routing reports the rule that decided (per-rule hits, recent events for dry runs), once per event.
    expect(decided).toEqual([`${sent.id} ${dryRun.json().ruleId} deliver`]);
    await waitFor('every user’s statuses', () => USERS.every((u) => recorded(u, sent.id).length > 0));

    for (const userId of USERS) expect({ userId, statuses: predicted(recipients.find((r) => r.userId === userId)!) }).toEqual({ userId, statuses: recorded(userId, sent.id) });
  });

  it('shows the rate cap that routing applies to a push', async () => {
    const dryRun = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/dry-run', headers: admin, payload: { event: event('e-cap', 'alert.price') } });
    expect(dryRun.json().recipients.find((r: DryRunRecipient) => r.userId === 'dave')).toMatchObject({ lanes: ['push.transactional'], rateCap: { max: 5, per: 'hour' } });
  });
});
