import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import { waitFor } from '@notify/testing';
import { RELAY_PATH } from '../src/relay/relay-message';
import { relaySecret } from './gateway-harness';
import { deployment, device, inapp, metricValue, presenceOf, startGatewayProcess, startPresenceProcess, topics, type Device, type ServiceUnderTest } from './gateway-processes';

/**
 * The relay on its own port, and only at addresses gateways of the deployment announced: two gateway
 * processes and presence on the real Kafka and MongoDB-wire server, and a listener standing in for an
 * address an attacker would like a gateway to call.
 */
let env: Record<string, string>;
let bus: Bus;
let presence: ServiceUnderTest;
let g1: ServiceUnderTest & { relay: string };
let g2: ServiceUnderTest & { relay: string };
let trap: Server;
const trapped: string[] = [];
const devices: Device[] = [];

beforeAll(async () => {
  ({ env, bus } = await deployment('gw-relay'));
  trap = createServer((request, response) => {
    trapped.push(`${request.method} ${request.url}`);
    response.end('{}');
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  presence = await startPresenceProcess(env);
  [g1, g2] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
}, 90_000);

afterAll(async () => {
  for (const d of devices) d.client.close();
  await Promise.all([g1, g2, presence].map((s) => s?.process.stop('SIGKILL')));
  await bus?.stop();
  trap?.close();
});

const relayCall = (base: string, body: unknown, secret = relaySecret) =>
  fetch(`${base}${RELAY_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) }, body: JSON.stringify(body) });

describe('the gateway relay', () => {
  it('is not on the client port (404) and answers on its own port, only with the shared secret', async () => {
    const onClientPort = await relayCall(g1.base, { userId: 'nobody' });
    expect(onClientPort.status).toBe(404);
    expect(((await onClientPort.json()) as { error: { code: string } }).error.code).toBe('NOTIFY_ERR_NOT_FOUND');
    expect((await relayCall(g1.relay, { userId: 'nobody' }, '')).status).toBe(401);
    expect((await relayCall(g1.relay, { userId: 'nobody' }, 'a-guess-at-the-secret-0123456789abcdef')).status).toBe(401);
    const accepted = await relayCall(g1.relay, { userId: 'nobody' });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ reached: 0 });
  });

  it('hands notifications between two gateway processes over the relay port', async () => {
    const users = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];
    for (const [i, userId] of users.entries()) devices.push(await device(i % 2 === 0 ? g1.base : g2.base, userId, 'phone'));
    await waitFor('presence to see every user', async () => (await Promise.all(users.map((u) => presenceOf(presence, u)))).every((s) => s.online), { timeoutMs: 20_000 });
    const sent = users.map((userId) => inapp(userId));
    await bus.publish(topics.deliverInapp, sent.map((value) => ({ value })));
    await waitFor('every user to get theirs', () => devices.every((d) => d.received.length === 1), { timeoutMs: 30_000 });
    expect(devices.map((d) => d.received[0]!.notificationId)).toEqual(sent.map((n) => n.notificationId));
    // Eight users over 8 partitions and two consumers: some were consumed by the gateway not holding them.
    const reached = (await metricValue(g1.base, 'notify_gateway_relay_received_total', 'outcome="reached"')) + (await metricValue(g2.base, 'notify_gateway_relay_received_total', 'outcome="reached"'));
    expect(reached).toBeGreaterThan(0);
    expect((await metricValue(g1.base, 'notify_gateway_relay_failures_total')) + (await metricValue(g2.base, 'notify_gateway_relay_failures_total'))).toBe(0);
  });

  it('never calls an address from an announcement no gateway of the deployment signed', async () => {
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    const at = new Date().toISOString();
    // Someone who can write to the topics: a gateway "holding" a user, at the trap's address.
    await bus.publish(topics.presenceGateways, [
      { value: { version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-forged', relayUrl: trapUrl, sockets: 1, at } },
      { value: { version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-forged', relayUrl: trapUrl, sockets: 1, at, signature: 'bm90LWEtcmVhbC1zaWduYXR1cmU' } },
    ]);
    await bus.publish(topics.presenceState, [{ value: { version: 1, userId: 'victim', online: true, gateways: [{ gatewayId: 'gw-forged', sockets: 1 }], devices: 1, since: at, lastSeen: at, connections: [{ socketId: 's-forged', gatewayId: 'gw-forged', connectedAt: at }] } }]);
    for (const g of [g1, g2]) {
      await waitFor('both forgeries to be ignored and counted', async () => (await metricValue(g.base, 'notify_gateway_directory_rejected_total', 'reason="unsigned"')) >= 1 && (await metricValue(g.base, 'notify_gateway_directory_rejected_total', 'reason="bad_signature"')) >= 1, { timeoutMs: 15_000 });
    }
    const failuresBefore = (await metricValue(g1.base, 'notify_gateway_relay_failures_total')) + (await metricValue(g2.base, 'notify_gateway_relay_failures_total'));
    // Whichever gateway consumes it tries to hand it to "gw-forged", for which it knows no address.
    await bus.publish(topics.deliverInapp, [{ value: inapp('victim') }]);
    await waitFor('the hand-over to fail for want of a verified address', async () => (await metricValue(g1.base, 'notify_gateway_relay_failures_total')) + (await metricValue(g2.base, 'notify_gateway_relay_failures_total')) > failuresBefore, { timeoutMs: 15_000 });
    expect(trapped).toEqual([]);
  });
});
