import mongoose, { type Connection, type ConnectOptions as MongooseConnectOptions } from 'mongoose';

/** The slice of a pino logger the store uses, so the store does not depend on a logging library. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface ConnectOptions {
  url: string;
  logger?: StoreLogger;
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Per attempt: how long to look for a server before calling the attempt failed. */
  serverSelectionTimeoutMs?: number;
  /**
   * How long an operation waits for the server's answer on its socket before it fails (and is
   * retried by its caller); default a minute. The driver's own default is to wait forever: after a
   * database restart a write on a socket that stopped answering without closing held the router's
   * status trail for good, since one unfinished partition holds its consumer's next fetch.
   */
  socketTimeoutMs?: number;
  /** How long pings may fail while the server answers a new client before the connection is reopened (see watchConnection); 10 s by default. */
  reopenStuckAfterMs?: number;
}

/** The URL as it may appear in logs and errors: credentials removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/\s]+@/g, '//***@');
}

export const DEFAULT_SOCKET_TIMEOUT_MS = 60_000;

/** What every connection is opened with. autoIndex off: createMongoStore creates the indexes itself and waits for them, so a failure stops start-up. */
export function connectionOptions(options: Pick<ConnectOptions, 'serverSelectionTimeoutMs' | 'socketTimeoutMs'>): MongooseConnectOptions {
  return { serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 2000, socketTimeoutMS: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS, autoIndex: false };
}

/**
 * Opens a dedicated connection (never mongoose's global one, so several stores can share a process),
 * retrying with exponential backoff and jitter while the server is starting.
 */
export async function connectMongo(options: ConnectOptions): Promise<Connection> {
  const attempts = options.attempts ?? 10;
  let delay = options.initialDelayMs ?? 200;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const connection = mongoose.createConnection(options.url, connectionOptions(options));
    try {
      await connection.asPromise();
      options.logger?.info({ url: redactUrl(options.url), attempt }, 'connected to MongoDB');
      return connection;
    } catch (err) {
      lastError = err;
      await connection.close().catch(() => undefined);
      if (attempt === attempts) break;
      const wait = Math.round(delay / 2 + (Math.random() * delay) / 2);
      options.logger?.warn({ attempt, attempts, wait, err: redactUrl(describe(err)), url: redactUrl(options.url) }, 'MongoDB not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, wait));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
  const error = new StoreUnavailableError(`MongoDB is not reachable at ${redactUrl(options.url)} after ${attempts} attempts: ${redactUrl(describe(lastError))}`, { cause: lastError });
  options.logger?.error({ url: redactUrl(options.url), attempts }, error.message);
  throw error;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** For the health check: resolves when the server answers. */
export async function pingMongo(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db) throw new StoreUnavailableError('MongoDB connection is not open');
  await db.admin().ping();
}
