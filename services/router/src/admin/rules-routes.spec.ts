import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@notify/bus';
import { topics, type RuleChange } from '@notify/contracts';
import { createHttpServer, parseTokens, type HttpServer } from '@notify/http';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createMemoryStore, type Store } from '@notify/store';
import { waitFor } from '@notify/testing';
import { RulesCache } from '../rules/rules-cache';
import { RecentEvents } from '../rules/recent-events';
import { RuleHits } from '../rules/rule-hits';
import { registerRulesRoutes } from './rules-routes';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
const producer = { authorization: 'Bearer producer-secret-0123456789' };
let server: HttpServer;
let bus: MemoryBus;
let store: Store;
let cache: RulesCache;
let changes: RuleChange[];
let hits: RuleHits;
let recent: RecentEvents;

beforeEach(async () => {
  const metrics = createMetricsRegistry('t', { processMetrics: false });
  bus = new MemoryBus({ service: 't', logger: silentLogger(), metrics });
  await bus.start();
  store = createMemoryStore();
  cache = new RulesCache(store.rules, silentLogger());
  changes = [];
  await bus.subscribe(topics.rulesChanges, { groupId: 'watch' }, async (m) => {
    changes.push(m.value);
    await cache.reload();
  });
  server = createHttpServer({ logger: silentLogger(), metrics });
  hits = new RuleHits(metrics);
  recent = new RecentEvents(2, 2);
  const tokens = [...parseTokens(['ops-alice:admin-secret-0123456789'], 'admin'), ...parseTokens(['checkout:producer-secret-0123456789'], 'producer')];
  registerRulesRoutes(server.app, { rules: store.rules, bus, cache, tokens, preferences: store.preferences, isOnline: (userId) => userId === 'alice', hits, recent });
});
afterEach(async () => {
  await server.close();
  await bus.stop();
});

const otp = { ruleId: 'otp', name: 'OTP is critical', order: 10, definition: { match: { types: ['auth.otp'] }, outcome: { priority: 'critical', channels: { mode: 'push_only' } } } };
const sample = { version: 1, id: 'e1', type: 'auth.otp', to: { userId: 'alice' }, payload: { code: '123456' }, createdAt: new Date().toISOString() };

describe('rules admin API', () => {
  it('is for admin tokens only', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/v1/admin/rules' })).statusCode).toBe(401);
    const forbidden = await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: producer, payload: otp });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.message).toBe('a producer token may not do this (needs admin)');
    expect(await store.rules.list()).toEqual([]);
  });

  it('creates, reads, updates and deletes rules, announcing each change so routers reload', async () => {
    const created = await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: otp });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ ruleId: 'otp', revision: 1, updatedBy: 'ops-alice' });
    await waitFor('the router cache to load it', () => cache.current.size === 1);
    expect((await server.app.inject({ method: 'GET', url: '/v1/admin/rules/otp', headers: admin })).json().name).toBe('OTP is critical');

    const disabled = await server.app.inject({ method: 'PATCH', url: '/v1/admin/rules/otp', headers: admin, payload: { enabled: false, expectedRevision: 1 } });
    expect(disabled.json()).toMatchObject({ revision: 2, enabled: false });
    await waitFor('the cache to drop the disabled rule', () => cache.current.size === 0);

    expect((await server.app.inject({ method: 'DELETE', url: '/v1/admin/rules/otp?expectedRevision=2', headers: admin })).statusCode).toBe(204);
    expect((await server.app.inject({ method: 'GET', url: '/v1/admin/rules/otp', headers: admin })).statusCode).toBe(404);
    await waitFor('three change events', () => changes.length === 3);
    expect(changes.map((c) => [c.action, c.revision, c.actor])).toEqual([
      ['created', 1, 'ops-alice'],
      ['updated', 2, 'ops-alice'],
      ['deleted', 3, 'ops-alice'],
    ]);
  });

  it('answers 400 saying what is wrong with a rule, and writes nothing', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: { ...otp, definition: { match: { types: ['auth otp'] }, outcome: { ignoreOptOut: true } } } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('NOTIFY_ERR_VALIDATION');
    expect(error.details.issues.map((i: { path: string }) => i.path)).toEqual(['definition.match.types.0', 'definition.outcome.ignoreOptOut']);
    expect(error.message).toContain('only a rule that makes events critical may ignore opt-outs');
    expect((await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: { name: 'x' } })).json().error.message).toContain('definition');
    expect(await store.rules.list()).toEqual([]);
  });

  it('refuses a stale update with 409, and an unknown rule with 404', async () => {
    await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: otp });
    await server.app.inject({ method: 'PATCH', url: '/v1/admin/rules/otp', headers: admin, payload: { order: 5 } });
    const stale = await server.app.inject({ method: 'PATCH', url: '/v1/admin/rules/otp', headers: admin, payload: { order: 6, expectedRevision: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.message).toBe('rule otp is at revision 2, not 1');
    expect((await server.app.inject({ method: 'PATCH', url: '/v1/admin/rules/nope', headers: admin, payload: { order: 1 } })).statusCode).toBe(404);
  });

  it('shows who changed what and when, and rolls back to a version', async () => {
    await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: otp });
    await server.app.inject({ method: 'PATCH', url: '/v1/admin/rules/otp', headers: admin, payload: { definition: { match: { types: ['auth.*'] }, outcome: { suppress: true } } } });
    const history = (await server.app.inject({ method: 'GET', url: '/v1/admin/rules/otp/history', headers: admin })).json().versions;
    expect(history.map((v: { revision: number; action: string; actor: string }) => [v.revision, v.action, v.actor])).toEqual([
      [1, 'created', 'ops-alice'],
      [2, 'updated', 'ops-alice'],
    ]);
    const rolledBack = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/otp/rollback', headers: admin, payload: { toRevision: 1 } });
    expect(rolledBack.json()).toMatchObject({ revision: 3, definition: otp.definition });
    await waitFor('the cache to see revision 3', () => cache.current.version === 'otp@3');
  });

  it('dry-runs an event: which rule decides, what would happen, and why', async () => {
    await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: otp });
    await waitFor('the rule to load', () => cache.current.size === 1);
    const res = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/dry-run', headers: admin, payload: { event: sample } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ruleId: 'otp',
      ruleName: 'OTP is critical',
      outcome: { priority: 'critical', channels: { mode: 'push_only' } },
      considered: [{ ruleId: 'otp', matched: true, why: 'type is auth.otp' }],
      plan: { kind: 'deliver', lane: 'push.transactional', notifications: [{ notificationId: 'e1:alice', priority: 'critical' }] },
    });
    await store.preferences.upsert('bob', { optOuts: [{ category: 'security', channel: 'push' }] });
    const forBob = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/dry-run', headers: admin, payload: { event: { ...sample, id: 'e2', to: { userIds: ['alice', 'bob'] }, type: 'login.new', category: 'security', priority: 'transactional' } } });
    expect(forBob.json().recipients).toEqual([
      { userId: 'alice', online: true, lanes: ['inapp'] },
      { userId: 'bob', online: false, lanes: ['inapp'] },
    ]);
    const withCandidate = await server.app.inject({
      method: 'POST',
      url: '/v1/admin/rules/dry-run',
      headers: admin,
      payload: { event: sample, candidate: { ruleId: 'silence', name: 'incident: silence auth', order: 1, definition: { match: { types: ['auth.*'] }, outcome: { suppress: true } } } },
    });
    expect(withCandidate.json()).toMatchObject({ ruleId: 'silence', plan: { kind: 'suppressed' } });
    expect(await store.rules.get('silence')).toBeNull();
    const bad = await server.app.inject({ method: 'POST', url: '/v1/admin/rules/dry-run', headers: admin, payload: { event: { ...sample, to: undefined } } });
    expect(bad.json().error.message).toBe('event: to: required (userId, userIds or topic)');
  });

  it('validates a rule as a create would, answering a verdict rather than a 400', async () => {
    const check = (payload: object) => server.app.inject({ method: 'POST', url: '/v1/admin/rules/validate', headers: admin, payload });
    const good = await check(otp);
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ valid: true, issues: [] });
    const badDefinition = await check({ ...otp, definition: { match: { types: ['auth.otp'] }, outcome: { priority: 'urgent' } } });
    expect(badDefinition.statusCode).toBe(200);
    expect(badDefinition.json()).toMatchObject({ valid: false, issues: [{ path: 'definition.outcome.priority' }] });
    // The very same definition is what a create refuses.
    const created = await server.app.inject({ method: 'POST', url: '/v1/admin/rules', headers: admin, payload: { ...otp, definition: { match: { types: ['auth.otp'] }, outcome: { priority: 'urgent' } } } });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.message).toBe(badDefinition.json().message);
    expect((await check({ ...otp, name: '' })).json()).toMatchObject({ valid: false, issues: [{ path: 'name' }] });
    expect((await server.app.inject({ method: 'POST', url: '/v1/admin/rules/validate', headers: producer, payload: otp })).statusCode).toBe(403);
  });

  it('reports each rule’s hits over the last minute', async () => {
    hits.hit('otp', 'deliver');
    hits.hit('otp', 'suppressed');
    hits.hit(null, 'deliver');
    const res = await server.app.inject({ url: '/v1/admin/rules/hits', headers: admin });
    expect(res.json()).toEqual({ windowSeconds: 60, hits: { otp: 2, '(defaults)': 1 } });
  });

  it('lists the last events routed of a type, for dry runs on real traffic', async () => {
    recent.add({ ...sample, id: 'r1' } as never);
    recent.add({ ...sample, id: 'r2' } as never);
    recent.add({ ...sample, id: 'r3', type: 'order.shipped' } as never);
    const res = await server.app.inject({ url: '/v1/admin/events/recent?type=auth.otp', headers: admin });
    expect(res.json().types).toEqual(['order.shipped', 'auth.otp']);
    expect(res.json().events.map((e: { id: string }) => e.id)).toEqual(['r2', 'r1']);
    expect((await server.app.inject({ url: '/v1/admin/events/recent?type=auth.otp' })).statusCode).toBe(401);
  });
});
