import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics, type PresenceState } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { startProcess, type RunningProcess } from '@notify/runtime';
import { freePort, waitFor } from '@notify/testing';
import { createPresenceModule } from './presence-module';

const secret = 'producer-secret-0123456789';
let running: RunningProcess;
const states = new Map<string, PresenceState>();

beforeEach(async () => {
  states.clear();
  running = await startProcess({
    service: 'presence',
    config: { logLevel: 'silent', host: '127.0.0.1', port: await freePort(), shutdownTimeoutMs: 5000 },
    logger: silentLogger(),
    modules: (deps) => [createPresenceModule(deps, { intakeTokens: [{ name: 'shop', role: 'producer', secret, scopes: ['presence:read'] }], adminTokens: [], gatewayTtlMs: 1000, sweepIntervalMs: 50 })],
  });
  await running.deps.bus.subscribe(topics.presenceState, { groupId: 'reader' }, async (m) => void states.set(m.value.userId, m.value));
});
afterEach(async () => running.stop('test done'));

const at = () => new Date().toISOString();

describe('presence module on the in-process bus', () => {
  it('publishes presence.state as gateways report sockets, serves it over HTTP, and expires a silent gateway', async () => {
    const { bus } = running.deps;
    await bus.publish(topics.presenceGateways, [{ value: { version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-1', sockets: 0, at: at() } }]);
    await bus.publish(topics.presenceEvents, [{ value: { version: 1, kind: 'socket_connected', userId: 'alice', gatewayId: 'gw-1', socketId: 's1', device: 'phone', at: at() } }]);
    await waitFor('alice online', () => states.get('alice')?.online);
    expect(states.get('alice')).toMatchObject({ gateways: [{ gatewayId: 'gw-1', sockets: 1 }], devices: 1 });

    const res = await fetch(`${running.url}/v1/presence/query`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ userIds: ['alice', 'bob'] }) });
    expect(((await res.json()) as { users: PresenceState[] }).users.map((u) => u.online)).toEqual([true, false]);

    // gw-1 beats no more: within TTL + sweep, alice is offline.
    await waitFor('alice offline', () => states.get('alice')?.online === false, { timeoutMs: 5000 });
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/notify_presence_gateways_expired_total\{[^}]*\} 1/);
    expect(metrics).toMatch(/notify_presence_online_users\{[^}]*\} 0/);
  });

  it('takes a gateway that says goodbye offline at once', async () => {
    const { bus } = running.deps;
    await bus.publish(topics.presenceEvents, [{ value: { version: 1, kind: 'socket_connected', userId: 'bob', gatewayId: 'gw-2', socketId: 's1', at: at() } }]);
    await waitFor('bob online', () => states.get('bob')?.online);
    await bus.publish(topics.presenceGateways, [{ value: { version: 1, kind: 'gateway_stopped', gatewayId: 'gw-2', at: at() } }]);
    await waitFor('bob offline', () => states.get('bob')?.online === false, { timeoutMs: 500 });
  });
});
