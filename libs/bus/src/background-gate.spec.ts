import { createConnection, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundGate } from './background-gate';

/** Keeps the thread busy without yielding, as a stretch of synchronous work does. */
const busyFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('BackgroundGate', () => {
  let server: ReturnType<typeof createServer>;
  let sender: Socket;
  let receiver: Socket;

  beforeAll(async () => {
    const accepted = new Promise<Socket>((resolve) => (server = createServer(resolve)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    sender = createConnection(port, '127.0.0.1');
    receiver = await accepted;
  });

  afterAll(() => {
    sender.destroy();
    receiver.destroy();
    server.close();
  });

  it('hands out turns in the order asked, reporting how many wait', async () => {
    const reported: number[] = [];
    const gate = new BackgroundGate((waiting) => reported.push(waiting));
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => gate.turn().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3, 4]);
    expect(gate.queued).toBe(0);
    expect(reported).toEqual([1, 2, 3, 4, 3, 2, 1, 0]);
  });

  it('lets a due timer and readable socket data in after at most a turn or two, not after the backlog', async () => {
    const gate = new BackgroundGate();
    let turnsTaken = 0;
    const timerFired = new Promise<number>((resolve) => setTimeout(() => resolve(turnsTaken), 1));
    // Data on its way to the receiver: an urgent consumer's fetch response, in effect.
    const dataArrived = new Promise<number>((resolve) => receiver.once('data', () => resolve(turnsTaken)));
    sender.write('fetch response');
    // By the end of this the timer is due and the bytes are in the receiver's socket buffer.
    busyFor(20);
    // 500 background messages whose work never waits on I/O, as with the in-memory store.
    const backlog = Array.from({ length: 500 }, () => gate.turn().then(() => turnsTaken++));
    const [turnsBeforeTimer, turnsBeforeData] = await Promise.all([timerFired, dataArrived]);
    await Promise.all(backlog);
    expect(turnsTaken).toBe(500);
    expect(turnsBeforeTimer).toBeLessThanOrEqual(2);
    expect(turnsBeforeData).toBeLessThanOrEqual(2);
  });

  it('without the gate the same backlog runs first: the check above can fail', async () => {
    let ran = 0;
    const timerFired = new Promise<number>((resolve) => setTimeout(() => resolve(ran), 1));
    busyFor(20);
    const backlog = Array.from({ length: 500 }, () => Promise.resolve().then(() => ran++));
    const ranBeforeTimer = await timerFired;
    await Promise.all(backlog);
    expect(ranBeforeTimer).toBe(500);
  });
});
