import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import { sleep, waitFor } from '@notify/testing';
import { deployment, device, inapp, metricValue, presenceOf, startGatewayProcess, startPresenceProcess, topics, type Device, type ServiceUnderTest } from './gateway-processes';

/**
 * Two gateway processes and presence on the real Kafka and MongoDB-wire server. Whichever gateway
 * consumes a notification, it reaches each device of the user once, through the gateway that holds it.
 */
let env: Record<string, string>;
let bus: Bus;
let presence: ServiceUnderTest;
let g1: ServiceUnderTest;
let g2: ServiceUnderTest;
const devices: Device[] = [];

beforeAll(async () => {
  ({ env, bus } = await deployment('gw-multi'));
  presence = await startPresenceProcess(env);
  [g1, g2] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
}, 90_000);

afterAll(async () => {
  for (const d of devices) d.client.close();
  await Promise.all([g1, g2, presence].map((s) => s?.process.stop('SIGKILL')));
  await bus?.stop();
});

const connect = async (url: string, userId: string, name: string) => {
  const d = await device(url, userId, name);
  devices.push(d);
  return d;
};

describe('several gateway instances', () => {
  let alicePhone: Device, aliceLaptop: Device, bob: Device, carol: Device;

  it('delivers each notification once to every device of its user, whichever instance consumed it, without broadcasting', async () => {
    alicePhone = await connect(g1.base, 'alice', 'phone');
    aliceLaptop = await connect(g2.base, 'alice', 'laptop');
    bob = await connect(g2.base, 'bob', 'phone');
    carol = await connect(g1.base, 'carol', 'phone');
    await waitFor('presence to see alice on both gateways', async () => (await presenceOf(presence, 'alice')).gateways.length === 2, { timeoutMs: 20_000 });
    await waitFor('presence to see bob and carol', async () => (await presenceOf(presence, 'bob')).online && (await presenceOf(presence, 'carol')).online);
    expect(await presenceOf(presence, 'alice')).toMatchObject({ online: true, devices: 2 });

    const sent = { alice: [] as string[], bob: [] as string[], carol: [] as string[] };
    for (let round = 0; round < 10; round++) {
      const batch = (['alice', 'bob', 'carol'] as const).map((user) => inapp(user));
      batch.forEach((n) => sent[n.userId as keyof typeof sent].push(n.notificationId));
      await bus.publish(topics.deliverInapp, batch.map((value) => ({ value })));
    }
    await waitFor('every device to have its user’s ten', () => [alicePhone, aliceLaptop, bob, carol].every((d) => d.received.length >= 10), { timeoutMs: 30_000 });
    await sleep(500);
    expect(alicePhone.received.map((n) => n.notificationId)).toEqual(sent.alice);
    expect(aliceLaptop.received.map((n) => n.notificationId)).toEqual(sent.alice);
    expect(bob.received.map((n) => n.notificationId)).toEqual(sent.bob);
    expect(carol.received.map((n) => n.notificationId)).toEqual(sent.carol);
    // One after another, without gap (a user's numbers start from the clock on MongoDB, not from 1).
    expect(alicePhone.received.map((n) => n.seq - alicePhone.received[0]!.seq + 1)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));

    // Hand-overs happened (8 partitions over two consumers), and none went to a gateway without the user.
    const reached = (await metricValue(g1.base, 'notify_gateway_relay_received_total', 'outcome="reached"')) + (await metricValue(g2.base, 'notify_gateway_relay_received_total', 'outcome="reached"'));
    expect(reached).toBeGreaterThan(0);
    expect(await metricValue(g1.base, 'notify_gateway_relay_received_total', 'outcome="no_connection"')).toBe(0);
    expect(await metricValue(g2.base, 'notify_gateway_relay_received_total', 'outcome="no_connection"')).toBe(0);
  });

  it('syncs a read on one instance to the user’s device on the other', async () => {
    const target = aliceLaptop.received[0]!.notificationId;
    expect(await aliceLaptop.client.read([target])).toBe(1);
    await waitFor('the phone on the other gateway to hear it', () => alicePhone.states.some((s) => s.notificationId === target && s.state === 'read'), { timeoutMs: 10_000 });
    expect(bob.states).toEqual([]);
  });

  it('takes the users of a gateway killed with SIGKILL offline within the presence TTL', async () => {
    const killedAt = Date.now();
    await g1.process.stop('SIGKILL');
    await waitFor('carol (only on the killed gateway) to go offline', async () => !(await presenceOf(presence, 'carol')).online, { timeoutMs: 15_000, intervalMs: 100 });
    const tookMs = Date.now() - killedAt;
    console.log(`presence expiry after SIGKILL: ${tookMs} ms (TTL 3000 ms, sweep 250 ms)`);
    expect(tookMs).toBeLessThan(3000 + 250 + 2000);
    // Alice keeps her other device.
    expect(await presenceOf(presence, 'alice')).toMatchObject({ online: true, devices: 1, gateways: [{ sockets: 1 }] });

    // The survivor takes over the partitions and still reaches alice's laptop and bob.
    const after = [inapp('alice'), inapp('bob')];
    await bus.publish(topics.deliverInapp, after.map((value) => ({ value })));
    await waitFor('the survivor to deliver', () => aliceLaptop.received.some((n) => n.notificationId === after[0]!.notificationId) && bob.received.some((n) => n.notificationId === after[1]!.notificationId), { timeoutMs: 30_000 });
  });
});
