import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCursorStore } from '@notify/client';
import { notification, places, startGateway, userToken, waitFor, type GatewayUnderTest } from './gateway-harness';

/**
 * Backpressure on the real Kafka and MongoDB-wire server, with a long-polling client that stops
 * polling: the server then has nowhere to write, so everything for that client waits in its buffer.
 * The client speaks engine.io's polling protocol by hand so that it can stop exactly there. (The
 * WebSocket case, which needs megabytes to get past the kernel's buffers, is in backpressure.spec.ts.)
 */
let gateway: GatewayUnderTest;
beforeAll(async () => {
  gateway = await startGateway({ maxBufferedPackets: 20 });
});
afterAll(() => gateway.stop());

const slowClients = async () => Number(/notify_gateway_slow_clients_total\{[^}]*\} (\d+)/.exec(await gateway.running.deps.metrics.metrics())?.[1] ?? 0);

/** Opens a socket.io session over long-polling, reads what the server has, and then stops polling. */
async function pollOnceThenStop(url: string, token: string): Promise<{ poll: () => Promise<Response> }> {
  const endpoint = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(endpoint)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const session = `${endpoint}&sid=${sid}`;
  expect(await (await fetch(session, { method: 'POST', body: `40${JSON.stringify({ token })}` })).text()).toBe('ok');
  const connected = await (await fetch(session)).text();
  expect(connected).toMatch(/^40\{"sid"/);
  return { poll: () => fetch(session) };
}

describe('backpressure (long-polling)', () => {
  it('lets a client go that stops polling once its buffer is full; the same user catches up from its cursor', async () => {
    const stalled = await pollOnceThenStop(gateway.url, await userToken('poll-stalled'));
    const healthy = await gateway.client('poll-healthy', { transports: ['polling'] });
    const before = await slowClients();
    for (let i = 0; i < 6; i++) await gateway.deliver(...Array.from({ length: 10 }, () => notification('poll-stalled')));
    await gateway.deliver(notification('poll-healthy'));
    await waitFor('the healthy client to be served meanwhile', () => healthy.received.length === 1);
    await waitFor('the stalled client to be let go', async () => (await slowClients()) === before + 1, { timeoutMs: 30_000 });
    // The session is gone: polling again is refused, as for any closed session.
    expect((await stalled.poll()).status).toBe(400);

    const resumed = await gateway.client('poll-stalled', { transports: ['polling'], cursorStore: memoryCursorStore(0) });
    await waitFor('all 60 after reconnecting', () => resumed.received.length === 60, { timeoutMs: 30_000 });
    expect(places(resumed.received)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});
