import { describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '@notify/contracts';
import { RoutedToSocket, percentile } from './routed-to-socket';

const t0 = Date.parse('2026-12-01T10:00:00Z');
const status = (id: string, s: DeliveryStatus['status'], atMs: number, extra: Partial<DeliveryStatus> = {}): DeliveryStatus => ({
  version: 1,
  eventId: id,
  notificationId: `${id}:alice`,
  userId: 'alice',
  status: s,
  channel: 'inapp',
  service: s === 'routed' ? 'router' : 'gateway',
  at: new Date(t0 + atMs).toISOString(),
  ...(s === 'sent' ? { detail: { online: true } } : {}),
  ...extra,
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('RoutedToSocket', () => {
  it('measures routed → sent to an open socket, per notification', () => {
    const latency = new RoutedToSocket(60_000);
    for (let i = 0; i < 100; i++) {
      latency.observe(status(`e${i}`, 'routed', i * 10));
      latency.observe(status(`e${i}`, 'sent', i * 10 + i + 1));
    }
    expect(latency.summary(t0 + 2000)).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, windowMs: 60_000 });
  });

  it('leaves out what never reached a socket: stored for an offline user, pushes, and sends it never saw routed', () => {
    const latency = new RoutedToSocket(60_000);
    latency.observe(status('offline', 'routed', 0));
    latency.observe(status('offline', 'sent', 5, { detail: { online: false } }));
    latency.observe(status('push', 'routed', 0, { channel: 'push' }));
    latency.observe(status('push', 'sent', 5, { channel: 'push' }));
    latency.observe(status('unseen', 'sent', 5));
    expect(latency.summary(t0 + 1000).count).toBe(0);
  });

  it('forgets measurements older than its window', () => {
    const latency = new RoutedToSocket(10_000);
    latency.observe(status('old', 'routed', 0));
    latency.observe(status('old', 'sent', 40));
    latency.observe(status('new', 'routed', 20_000));
    latency.observe(status('new', 'sent', 20_008));
    expect(latency.summary(t0 + 25_000)).toMatchObject({ count: 1, p50Ms: 8, p99Ms: 8 });
  });

  it('holds at most maxPending routed times waiting for their socket, dropping the oldest', () => {
    const latency = new RoutedToSocket(60_000, 2);
    latency.observe(status('a', 'routed', 0));
    latency.observe(status('b', 'routed', 1));
    latency.observe(status('c', 'routed', 2));
    for (const id of ['a', 'b', 'c']) latency.observe(status(id, 'sent', 10));
    expect(latency.summary(t0 + 100)).toMatchObject({ count: 2, p50Ms: 8, p99Ms: 9 });
  });
});
