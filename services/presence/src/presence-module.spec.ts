import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics, type PresenceState } from '@notify/contracts';
import { silentLogger } from '@notify/observability';
import { startProcess, type RunningProcess } from '@notify/runtime';
import { freePort, waitFor } from '@notify/testing';
import { announcementSigner } from '@notify/contracts/gateway-announcement';
import { createPresenceModule } from './presence-module';

const secret = 'producer-secret-0123456789';
const relaySecret = 'gateway-relay-secret-0123456789abcdef';
const signed = announcementSigner(relaySecret);
let running: RunningProcess;
const states = new Map<string, PresenceState>();

beforeEach(async () => {
  states.clear();
  running = await startProcess({
    service: 'presence',
    config: { logLevel: 'silent', host: '127.0.0.1', port: await freePort(), shutdownTimeoutMs: 5000 },
    logger: silentLogger(),
    modules: (deps) => [createPresenceModule(deps, { intakeTokens: [{ name: 'shop', role: 'producer', secret, scopes: ['presence:read'] }], adminTokens: [], gatewayTtlMs: 1000, sweepIntervalMs: 50, relaySecret })],
  });
  await running.deps.bus.subscribe(topics.presenceState, { groupId: 'reader' }, async (m) => void states.set(m.value.userId, m.value));
});
afterEach(async () => running.stop('test done'));

const at = () => new Date().toISOString();

describe('presence module on the in-process bus', () => {
  it('publishes presence.state as gateways report sockets, serves it over HTTP, and expires a silent gateway', async () => {
    const { bus } = running.deps;
    await bus.publish(topics.presenceGateways, [{ value: signed({ version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-1', sockets: 0, at: at() }) }]);
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
    await bus.publish(topics.presenceGateways, [{ value: signed({ version: 1, kind: 'gateway_stopped', gatewayId: 'gw-2', at: at() }) }]);
    await waitFor('bob offline', () => states.get('bob')?.online === false, { timeoutMs: 500 });
  });

  it('ignores a goodbye that is unsigned or signed with another secret, and counts it', async () => {
    const { bus } = running.deps;
    await bus.publish(topics.presenceGateways, [{ value: signed({ version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-3', sockets: 1, at: at() }) }]);
    await bus.publish(topics.presenceEvents, [{ value: { version: 1, kind: 'socket_connected', userId: 'carol', gatewayId: 'gw-3', socketId: 's1', at: at() } }]);
    await waitFor('carol online', () => states.get('carol')?.online);
    const forged = announcementSigner('some-other-secret-0123456789abcdefgh');
    await bus.publish(topics.presenceGateways, [{ value: { version: 1, kind: 'gateway_stopped', gatewayId: 'gw-3', at: at() } }, { value: forged({ version: 1, kind: 'gateway_stopped', gatewayId: 'gw-3', at: at() }) }]);
    await waitFor('both refused', async () => /notify_presence_announcements_refused_total\{[^}]*problem="bad_signature"[^}]*\} 1/.test(await (await fetch(`${running.url}/metrics`)).text()));
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/notify_presence_announcements_refused_total\{[^}]*problem="unsigned"[^}]*\} 1/);
    expect(states.get('carol')?.online).toBe(true);
  });
});
