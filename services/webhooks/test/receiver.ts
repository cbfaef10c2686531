import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One POST the receiver got. */
export interface Received {
  id: string;
  timestamp: number;
  /** Whether the signature verified with the receiver's secret (by the reference library). */
  verified: boolean;
  body: unknown;
  /** What the receiver answered: 'waiting' until it does, 'too slow' when the sender hung up first. */
  answered: number | 'waiting' | 'too slow';
  at: number;
}

/** How the receiver behaves; changed at any time. */
export interface ReceiverScript {
  /** The first N attempts of each webhook-id get this status (then 200). */
  failFirst?: { attempts: number; status: number };
  /** Every request waits this long before the answer (the sender may time out first). */
  delayMs?: number;
  /** Only the first attempt of each id waits delayMs. */
  delayFirstOnly?: boolean;
  /** Every request gets this status. */
  always?: number;
}

/**
 * A real webhook receiver on 127.0.0.1: verifies each POST's Standard Webhooks signature with the
 * endpoint's secret, answers as scripted, records everything, and can go away (its port closed, open
 * connections cut) and come back on the same port.
 */
export class Receiver {
  readonly received: Received[] = [];
  script: ReceiverScript = {};
  secret = '';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly attemptsById = new Map<string, number>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Accepted (2xx) POSTs, in the order they were accepted. */
  get accepted(): Received[] {
    return this.received.filter((r) => r.answered === 200);
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Goes away: the port is closed and open connections are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Comes back on the same port. */
  async restart(): Promise<void> {
    await this.start(this.port);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let verified = false;
    try {
      new Webhook(this.secret).verify(raw, headers);
      verified = true;
    } catch {
      verified = false;
    }
    const id = headers['webhook-id'] ?? '';
    const attempt = (this.attemptsById.get(id) ?? 0) + 1;
    this.attemptsById.set(id, attempt);
    const { failFirst, delayMs, delayFirstOnly, always } = this.script;
    const status = always ?? (failFirst && attempt <= failFirst.attempts ? failFirst.status : 200);
    const record: Received = { id, timestamp: Number(headers['webhook-timestamp']), verified, body: JSON.parse(raw), answered: 'waiting', at: Date.now() };
    this.received.push(record);
    if (delayMs && (!delayFirstOnly || attempt === 1)) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (res.destroyed || req.socket.destroyed) {
        record.answered = 'too slow';
        return;
      }
    }
    record.answered = status;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
  }
}
