import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type PresenceEvent } from '@notify/contracts';
import { startGateway, waitFor, type GatewayUnderTest } from './gateway-harness';

let gateway: GatewayUnderTest;
const presenceEvents: PresenceEvent[] = [];
beforeAll(async () => {
  gateway = await startGateway({ pingIntervalMs: 1000, pingTimeoutMs: 1000 });
  await gateway.running.deps.bus.subscribe(topics.presenceEvents, { groupId: 'test-presence-events' }, async (m) => void presenceEvents.push(m.value));
});
afterAll(() => gateway.stop());

describe('liveness', () => {
  it('tells presence of each connect, and drops a client whose network died within ping interval + timeout', async () => {
    const phone = await gateway.client('liveness-alice', { device: 'phone', reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    await waitFor('the connect event', () => presenceEvents.some((e) => e.kind === 'socket_connected' && e.userId === 'liveness-alice'));
    expect(presenceEvents.find((e) => e.userId === 'liveness-alice')).toMatchObject({ kind: 'socket_connected', device: 'phone', transport: 'websocket' });

    // The network goes silent: nothing the server sends is read, no pong comes back.
    const engine = (phone.client as unknown as { socket: { io: { engine: { transport: { ws: { _socket: NetSocket } } } } } }).socket.io.engine;
    engine.transport.ws._socket.pause();
    const silentFrom = Date.now();
    await waitFor('the disconnect event', () => presenceEvents.some((e) => e.kind === 'socket_disconnected' && e.userId === 'liveness-alice'), { timeoutMs: 10_000 });
    const noticedAfterMs = Date.now() - silentFrom;
    expect(presenceEvents.find((e) => e.kind === 'socket_disconnected' && e.userId === 'liveness-alice')).toMatchObject({ reason: 'ping timeout' });
    // Interval + timeout is 2 s here (25 s by default); the publish to Kafka adds little.
    expect(noticedAfterMs).toBeLessThan(4000);
    phone.client.close();
  });
});
