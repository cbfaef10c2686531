import { createServer, type Socket } from 'node:net';
import { relayConnection } from '@notify/testing';

/** What crossed one proxy: TCP payload only (no TCP/IP headers, no TLS), counted as it passes. */
export interface WireCounts {
  /** TCP connections the clients opened. */
  connections: number;
  /** HTTP request heads sent by clients, on connections not (yet) upgraded to WebSocket. */
  requests: number;
  /** Connections the server switched to WebSocket (101). */
  upgrades: number;
  bytesUp: number;
  bytesDown: number;
  /** WebSocket frames, client → server and server → client, after a 101. */
  framesUp: number;
  framesDown: number;
  /** Blank-line-terminated blocks in plain HTTP responses: SSE events and comments (JSON bodies never hold a raw blank line). */
  eventStreamBlocks: number;
}

export interface CountingProxy {
  url: string;
  /** A copy of the totals so far; subtract two with `countsBetween`. */
  counts(): WireCounts;
  stop(): Promise<void>;
}

const zero = (): WireCounts => ({ connections: 0, requests: 0, upgrades: 0, bytesUp: 0, bytesDown: 0, framesUp: 0, framesDown: 0, eventStreamBlocks: 0 });

export const countsBetween = (before: WireCounts, after: WireCounts): WireCounts =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof WireCounts]])) as unknown as WireCounts;

/**
 * A TCP proxy in front of `target` that counts what the clients and the server exchange, so a
 * transport's wire cost is measured rather than estimated: headers, framing, pings, acks and polls
 * included. It parses just enough HTTP/1.1 to count requests and to notice a WebSocket upgrade,
 * after which it counts WebSocket frames instead.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const targetUrl = new URL(target);
  const totals = zero();
  const open = new Set<Socket>();
  const server = createServer((client) => {
    totals.connections++;
    const upstream = relayConnection(client, targetUrl, open);
    const requests = new RequestScanner();
    const response = new ResponseScanner(requests);
    const framesUp = new FrameCounter();
    const framesDown = new FrameCounter();
    client.on('data', (chunk: Buffer) => {
      totals.bytesUp += chunk.length;
      if (response.upgraded) totals.framesUp += framesUp.consume(chunk);
      else totals.requests += requests.consume(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      totals.bytesDown += chunk.length;
      if (response.upgraded) {
        totals.framesDown += framesDown.consume(chunk);
        return;
      }
      const { blocks, upgradedRest } = response.consume(chunk);
      totals.eventStreamBlocks += blocks;
      // The 101 and the server's first frames can share a chunk: the frames start right after the head.
      if (upgradedRest) {
        totals.upgrades++;
        totals.framesDown += framesDown.consume(upgradedRest);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    counts: () => ({ ...totals }),
    stop: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Walks a client → server HTTP/1.1 byte stream: each request head is counted, then its body skipped
 * (Content-Length or chunked), so bytes inside a body are never mistaken for a request line.
 */
class RequestScanner {
  upgradeRequested = false;
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer' = 'head';
  private text = '';
  private bodyLeft = 0;

  /** Returns the number of request heads completed in this chunk. */
  consume(chunk: Buffer): number {
    let heads = 0;
    for (let i = 0; i < chunk.length; ) {
      if (this.state === 'body' || this.state === 'chunk-data') {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        if (this.bodyLeft === 0) this.state = this.state === 'body' ? 'head' : 'chunk-size';
        continue;
      }
      // Heads, chunk sizes and trailers are short text: accumulate up to the end of the line / head.
      this.text += String.fromCharCode(chunk[i++]!);
      if (this.state === 'head' && this.text.endsWith('\r\n\r\n')) {
        heads++;
        this.startBody(this.text);
      } else if (this.state === 'chunk-size' && this.text.endsWith('\r\n')) {
        const size = parseInt(this.text, 16);
        this.text = '';
        if (size === 0) this.state = 'trailer';
        else [this.state, this.bodyLeft] = ['chunk-data', size + 2];
      } else if (this.state === 'trailer' && this.text.endsWith('\r\n')) {
        if (this.text === '\r\n') this.state = 'head';
        this.text = '';
      }
    }
    return heads;
  }

  private startBody(head: string): void {
    this.text = '';
    const header = (name: string) => new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'im').exec(head)?.[1];
    if (/^upgrade:\s*websocket/im.test(head)) this.upgradeRequested = true;
    const length = Number(header('content-length') ?? 0);
    if (/chunked/i.test(header('transfer-encoding') ?? '')) this.state = 'chunk-size';
    else if (length > 0) [this.state, this.bodyLeft] = ['body', length];
  }
}

/**
 * Watches a server → client HTTP/1.1 stream for the 101 that ends HTTP on the connection, and counts
 * blank-line-terminated blocks (SSE events and keep-alive comments; HTTP heads end in CRLF CRLF, which
 * has no "\n\n").
 */
class ResponseScanner {
  upgraded = false;
  private head = '';
  private lastByte = 0;

  constructor(private readonly requests: RequestScanner) {}

  consume(chunk: Buffer): { blocks: number; upgradedRest?: Buffer } {
    if (this.requests.upgradeRequested) {
      // The client sends nothing after an upgrade request until the answer, so this chunk is (the start of) that answer.
      const end = chunk.indexOf('\r\n\r\n');
      this.head += chunk.toString('latin1', 0, end === -1 ? chunk.length : end + 4);
      if (end !== -1 && this.head.startsWith('HTTP/1.1 101')) {
        this.upgraded = true;
        return { blocks: 0, upgradedRest: chunk.subarray(end + 4) };
      }
      if (end !== -1) {
        // Refused: the connection stays HTTP.
        this.requests.upgradeRequested = false;
        this.head = '';
      }
    }
    let blocks = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a && this.lastByte === 0x0a) blocks++;
      this.lastByte = chunk[i]!;
    }
    return { blocks };
  }
}

/** Counts WebSocket frames in one direction (RFC 6455 §5.2), carrying a split header or payload across chunks. */
class FrameCounter {
  private header: number[] = [];
  private payloadLeft = 0;

  consume(chunk: Buffer): number {
    let frames = 0;
    for (let i = 0; i < chunk.length; ) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - i);
        this.payloadLeft -= n;
        i += n;
        continue;
      }
      this.header.push(chunk[i++]!);
      const length = frameHeaderLength(this.header);
      if (length !== undefined && this.header.length === length) {
        this.payloadLeft = payloadLength(this.header);
        this.header = [];
        frames++;
      }
    }
    return frames;
  }
}

/** Header bytes of a frame, known once its first two bytes are: 2, the extended length (0, 2 or 8), the mask key (0 or 4). */
function frameHeaderLength(header: number[]): number | undefined {
  if (header.length < 2) return undefined;
  const len7 = header[1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (header[1]! & 0x80 ? 4 : 0);
}

function payloadLength(header: number[]): number {
  const len7 = header[1]! & 0x7f;
  if (len7 < 126) return len7;
  const bytes = header.slice(2, len7 === 126 ? 4 : 10);
  return bytes.reduce((n, b) => n * 256 + b, 0);
}
