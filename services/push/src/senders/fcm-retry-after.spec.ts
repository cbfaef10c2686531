import type { Messaging } from 'firebase-admin/messaging';
import { describe, expect, it } from 'vitest';
import { listenForRetryAfter, type HeardRetryAfter } from './fcm-retry-after';

/** A stand-in for the one internal it wraps: a firebase-admin HTTP client's `send`, rejecting as firebase-admin's RequestResponseError does. */
function messagingWith(client: { send(config: { data?: unknown }): Promise<unknown> } | undefined): Messaging {
  return { messagingRequestHandler: client ? { http2Client: client } : undefined } as unknown as Messaging;
}

describe('listenForRetryAfter', () => {
  it('reports the retry-after of an error response with the token it was for, and passes the error on', async () => {
    const failure = Object.assign(new Error('Server responded with status 429.'), { response: { status: 429, headers: { 'retry-after': '30' } } });
    const client = { send: async (_config: { data?: unknown }) => Promise.reject(failure) };
    const heard: HeardRetryAfter[] = [];
    expect(listenForRetryAfter(messagingWith(client), (h) => heard.push(h))).toBe(true);
    await expect(client.send({ data: { message: { token: 'tok-1' } } })).rejects.toBe(failure);
    expect(heard).toEqual([{ status: 429, retryAfterMs: 30_000, token: 'tok-1' }]);
  });

  it('reports nothing for an error without the header', async () => {
    const client = { send: async (_config: { data?: unknown }) => Promise.reject(Object.assign(new Error('500'), { response: { status: 500, headers: {} } })) };
    const heard: HeardRetryAfter[] = [];
    listenForRetryAfter(messagingWith(client), (h) => heard.push(h));
    await expect(client.send({})).rejects.toThrow('500');
    expect(heard).toEqual([]);
  });

  it('answers false, wrapping nothing, when firebase-admin keeps its clients elsewhere', () => {
    expect(listenForRetryAfter(messagingWith(undefined), () => undefined)).toBe(false);
  });
});
