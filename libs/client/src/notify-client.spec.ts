import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import type { ClientNotification } from '@notify/contracts';
import { NotifyClient } from './notify-client';

const notification = (seq: number): ClientNotification => ({ notificationId: `n${seq}`, seq, type: 't', priority: 'transactional', content: { data: {} }, createdAt: new Date().toISOString(), state: 'sent' });

let http: HttpServer;
let io: Server;
let client: NotifyClient | undefined;
afterEach(async () => {
  client?.close();
  await new Promise((r) => io.close(r));
});

/** A socket.io server standing in for the gateway: answers each ack with what `answer` says. */
async function gateway(answer: (ids: string[], attempt: number) => { ok: true; updated: number } | { ok: false; error: string }): Promise<{ url: string; acks: string[][] }> {
  http = createServer();
  io = new Server(http);
  const acks: string[][] = [];
  io.on('connection', (socket) => {
    socket.emit('cursor', { seq: 0 });
    socket.on('ack', (request: { notificationIds: string[] }, reply: (r: unknown) => void) => {
      acks.push(request.notificationIds);
      reply(answer(request.notificationIds, acks.length));
    });
    socket.emit('notification', notification(1));
    socket.emit('notification', notification(2));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, acks };
}

const until = async (what: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('NotifyClient acks', () => {
  it('sends an ack batch again when the gateway refuses it, until it is taken', async () => {
    const server = await gateway((ids, attempt) => (attempt === 1 ? { ok: false, error: 'store unavailable' } : { ok: true, updated: ids.length }));
    client = new NotifyClient({ url: server.url, token: 't', transports: ['websocket'] });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    await client.connect();
    await until(() => server.acks.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.acks).toEqual([
      ['n1', 'n2'],
      ['n1', 'n2'],
    ]);
    expect(errors).toEqual(['ack refused: store unavailable']);
  });

  it('gives an ack batch up after a few refusals, and says so', async () => {
    const server = await gateway(() => ({ ok: false, error: 'no' }));
    client = new NotifyClient({ url: server.url, token: 't', transports: ['websocket'] });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    await client.connect();
    // Five waits of 0.5, 1, 2, 4 and 8 s, each ±50 % jitter: 23.25 s at most (a 20 s wait failed when the draws ran high).
    await until(() => errors.some((e) => e.startsWith('ack given up')), 26_000);
    expect(server.acks).toHaveLength(6);
    expect(errors.at(-1)).toBe('ack given up after 6 attempts: ack refused: no');
  }, 35_000);
});

describe('NotifyClient updates', () => {
  it('applies an updated notification: the app hears `updated`, the view shows it in place of the one it replaced, and it is acknowledged', async () => {
    http = createServer();
    io = new Server(http);
    const acks: string[][] = [];
    io.on('connection', (socket) => {
      socket.emit('cursor', { seq: 0 });
      socket.on('ack', (request: { notificationIds: string[] }, reply: (r: unknown) => void) => {
        acks.push(request.notificationIds);
        reply({ ok: true, updated: request.notificationIds.length });
      });
      socket.emit('notification', { ...notification(1), collapseKey: 'ride:42', content: { title: 'Your driver is 5 minutes away', data: {} } });
      socket.emit('updated', { ...notification(2), collapseKey: 'ride:42', supersedes: 'n1', content: { title: 'Your driver is 3 minutes away', data: {} } });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    client = new NotifyClient({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, token: 't', transports: ['websocket'] });
    const notifications: string[] = [];
    const updates: Array<[string, string]> = [];
    client.on('notification', (n) => notifications.push(n.notificationId));
    client.on('updated', (n) => updates.push([n.notificationId, n.supersedes]));
    await client.connect();
    await until(() => updates.length === 1 && acks.flat().length === 2);
    expect(notifications).toEqual(['n1']);
    expect(updates).toEqual([['n2', 'n1']]);
    expect(client.notifications.map((n) => n.content.title)).toEqual(['Your driver is 3 minutes away']);
    expect(client.cursor).toBe(2);
    expect(acks.flat()).toEqual(['n1', 'n2']);
  });
});
