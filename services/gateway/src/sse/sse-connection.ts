import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ClientConnection } from '../connections/connection';

/**
 * An EventSource stream as a ClientConnection. Each notification is an SSE event whose id is its
 * seq, so a browser that reconnects sends Last-Event-ID and resumes exactly after it. The backlog is
 * what the socket has not yet taken (bytes), so a stalled reader cannot grow memory without bound.
 */
export function sseConnection(response: ServerResponse, userId: string, backlogLimit: number, device?: string): ClientConnection {
  const write = (chunk: string) => {
    if (!response.writableEnded) response.write(chunk);
  };
  return {
    id: `sse-${randomUUID()}`,
    userId,
    device,
    transport: () => 'sse',
    backlog: () => response.writableLength,
    backlogLimit,
    whenDrained: (timeoutMs) =>
      new Promise((resolve) => {
        if (response.writableLength < backlogLimit) return resolve(true);
        const done = (drained: boolean) => {
          clearTimeout(timer);
          response.off('drain', drainedNow);
          response.off('close', closed);
          resolve(drained);
        };
        const drainedNow = () => done(true);
        const closed = () => done(false);
        const timer = setTimeout(() => done(false), timeoutMs);
        response.once('drain', drainedNow);
        response.once('close', closed);
      }),
    sendNotification: (n) => write(`id: ${n.seq}\nevent: ${n.supersedes === undefined ? 'notification' : 'updated'}\ndata: ${JSON.stringify(n)}\n\n`),
    // An id-only event sets EventSource's Last-Event-ID, so even a stream that has received nothing resumes from here.
    sendCursor: (seq) => write(`id: ${seq}\nevent: cursor\ndata: ${JSON.stringify({ seq })}\n\n`),
    sendUnread: (count) => write(`event: unread\ndata: ${JSON.stringify({ count })}\n\n`),
    sendState: (update) => write(`event: state\ndata: ${JSON.stringify(update)}\n\n`),
    // EventSource reconnects on its own after `retry` ms, with Last-Event-ID.
    drain: (reconnectAfterMs) => {
      write(`retry: ${reconnectAfterMs}\nevent: drain\ndata: ${JSON.stringify({ reconnectAfterMs })}\n\n`);
      response.end();
    },
    close: () => response.destroy(),
  };
}
