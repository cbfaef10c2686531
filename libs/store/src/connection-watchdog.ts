import mongoose, { type Connection, type ConnectOptions as MongooseConnectOptions } from 'mongoose';
import { redactUrl, type StoreLogger } from './connection';

export interface WatchdogOptions {
  url: string;
  /** What the connection was opened with, to open it again the same way. */
  connectOptions: MongooseConnectOptions;
  logger?: StoreLogger | undefined;
  /** How often the connection is pinged. */
  intervalMs?: number;
  /** How long pings must fail, while the server answers a fresh client, before the connection is reopened. */
  stuckAfterMs?: number;
}

export interface ConnectionWatchdog {
  /** Times the connection was reopened. */
  readonly reopened: number;
  stop(): Promise<void>;
}

/**
 * Reopens a connection whose client stopped finding the server although the server is back. The
 * MongoDB driver can wedge after a database restart under load: its monitor's heartbeat on a socket
 * that went away never completes, the server stays "unknown", and every operation fails server
 * selection for as long as the process lives. So when pings have failed for `stuckAfterMs` and a
 * fresh client reaches the server at once, the connection is closed and opened again; the models
 * bound to it carry on with the new client (operations in flight fail once and are retried).
 */
export function watchConnection(connection: Connection, options: WatchdogOptions): ConnectionWatchdog {
  const intervalMs = options.intervalMs ?? 2000;
  const stuckAfterMs = options.stuckAfterMs ?? 10_000;
  let failingSince: number | null = null;
  let reopened = 0;
  let checking: Promise<void> = Promise.resolve();
  let stopped = false;

  const check = async () => {
    if (stopped) return;
    try {
      await answersWithin(connection.db!.admin().ping(), PING_TIMEOUT_MS);
      failingSince = null;
      return;
    } catch {
      failingSince ??= Date.now();
    }
    if (Date.now() - failingSince < stuckAfterMs || !(await serverAnswers(options.url)) || stopped) return;
    options.logger?.warn({ url: redactUrl(options.url), failingForMs: Date.now() - failingSince }, 'MongoDB answers a new client but not this connection; reopening it');
    await connection.close().catch(() => undefined);
    await connection.openUri(options.url, options.connectOptions);
    reopened++;
    failingSince = null;
    options.logger?.info({ url: redactUrl(options.url) }, 'MongoDB connection reopened');
  };
  const timer = setInterval(() => {
    checking = checking.then(check).catch((err: Error) => options.logger?.warn({ err: err.message }, 'reopening the MongoDB connection failed; trying again'));
  }, intervalMs);
  timer.unref();
  return {
    get reopened() {
      return reopened;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await checking;
    },
  };
}

/** A ping on a socket that went silent waits forever (operations have no socket timeout by default). */
const PING_TIMEOUT_MS = 2000;

async function answersWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a client of its own reaches the server now. */
async function serverAnswers(url: string): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(url, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}
