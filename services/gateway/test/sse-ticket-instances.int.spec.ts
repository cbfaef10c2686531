import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@notify/bus';
import { deployment, startGatewayProcess, type ServiceUnderTest } from './gateway-processes';
import { userToken } from './gateway-harness';

/**
 * Two gateway processes of one deployment (the same secrets, Kafka and MongoDB-wire store) behind no
 * sticky balancer: a ticket one issues opens a stream on the other, once.
 */
let bus: Bus;
let first: ServiceUnderTest;
let second: ServiceUnderTest;
beforeAll(async () => {
  const deployed = await deployment('sse-tickets');
  bus = deployed.bus;
  [first, second] = await Promise.all([startGatewayProcess(deployed.env), startGatewayProcess(deployed.env)]);
}, 90_000);
afterAll(async () => {
  await Promise.all([first?.process.stop(), second?.process.stop()]);
  await bus?.stop();
});

describe('an SSE ticket across gateway instances', () => {
  it('issued by one instance opens a stream on another, and is refused as used on either after that', async () => {
    const issued = await fetch(`${first.base}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${await userToken('hop-ann')}` } });
    expect(issued.status).toBe(201);
    const { ticket } = (await issued.json()) as { ticket: string };

    const stream = await fetch(`${second.base}/v1/stream?ticket=${encodeURIComponent(ticket)}`);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain(': connected');
    await reader.cancel();

    for (const instance of [first, second]) {
      const again = await fetch(`${instance.base}/v1/stream?ticket=${encodeURIComponent(ticket)}`);
      expect(again.status).toBe(401);
      expect(((await again.json()) as { error: { message: string } }).error.message).toBe('ticket already used: get a new one for every stream you open');
    }
  }, 30_000);
});
