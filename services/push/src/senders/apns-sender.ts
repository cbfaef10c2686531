import apn from '@parse/node-apn';
import type { PushEnvironment } from '@notify/store';
import { buildApnsRequest } from './apns-payload';
import type { PushMessage, PushSender, SendOutcome } from './push-sender';
import { retryAfterMs } from './retry-after';

export interface ApnsSenderOptions {
  /** The .p8 auth key (PEM). */
  key: string;
  keyId: string;
  teamId: string;
  /** Another APNs host (an emulator); with it set, node-apn sends both environments there. */
  address?: string | undefined;
  port?: number | undefined;
  /** Extra CA certificates (PEM) to trust for `address`. */
  ca?: string | string[] | undefined;
  /** Requests in flight per `send` call (default 500); node-apn multiplexes them on one HTTP/2 session per environment. */
  concurrency?: number | undefined;
  /**
   * HTTP/2 connections per environment (default 2), taken in turn. One connection carries as many
   * streams at once as APNs allows it (about 1,000); more connections keep more pushes in flight and
   * spread the TLS work, as Apple suggests for high volumes.
   */
  connections?: number | undefined;
  /** How long one push may take, node-apn's own retries included, before it counts as a retry (default 30 s). */
  sendTimeoutMs?: number | undefined;
}

/** The reasons that mean the token is dead for this app: deactivate the device. */
const DEAD_TOKEN_REASONS = new Set(['Unregistered', 'ExpiredToken', 'BadDeviceToken', 'DeviceTokenNotForTopic']);

/**
 * Sends to APNs with token-based auth through node-apn, one provider (one HTTP/2 connection) per
 * environment, created on first use.
 *
 * node-apn retries 408, 429 and 5xx itself (3 more times, at once). Patched at install
 * (patches/, docs/push.md "Retry-After"), it reads APNs' `retry-after` and, when an answer carries
 * one, hands it back at once instead: that `retry` outcome has been tried once and carries
 * `retryAfterMs`. Without one, a `retry` outcome has already been tried four times.
 * @example const apns = new ApnsSender({ key: p8, keyId, teamId }); await apns.send([message]);
 */
export class ApnsSender implements PushSender {
  readonly provider = 'apns' as const;
  private readonly providers = new Map<PushEnvironment, apn.Provider | apn.MultiProvider>();
  private closed = false;

  constructor(private readonly options: ApnsSenderOptions) {}

  async send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    return mapConcurrent(messages, this.options.concurrency ?? 500, (m) => this.sendOne(m));
  }

  async close(): Promise<void> {
    this.closed = true;
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(providers.map(shutdown));
  }

  private async sendOne(message: PushMessage): Promise<SendOutcome> {
    const built = buildApnsRequest(message.notification, message.device, message.badge);
    if (!built.ok) return { status: 'failed', reason: built.reason };
    if (this.closed) return { status: 'retry', reason: 'the APNs sender is closed' };
    const notification = Object.assign(new apn.Notification(), built.request);
    try {
      const result = await withTimeout(this.providerFor(message.device.environment).send(notification, message.device.token), this.options.sendTimeoutMs ?? 30_000);
      const sent = result.sent[0] as (apn.ResponseSent & { 'apns-id'?: string }) | undefined;
      if (sent) return { status: 'sent', ...(sent['apns-id'] ? { providerId: sent['apns-id'] } : {}) };
      const failure = result.failed[0];
      return failure ? apnsOutcomeOf(failure) : { status: 'retry', reason: 'node-apn gave no result' };
    } catch (err) {
      return { status: 'retry', reason: `APNs send failed: ${(err as Error).message}` };
    }
  }

  private providerFor(environment: PushEnvironment): apn.Provider | apn.MultiProvider {
    let provider = this.providers.get(environment);
    if (!provider) {
      const { key, keyId, teamId, address, port, ca } = this.options;
      const connections = this.options.connections ?? 2;
      const options: apn.ProviderOptions = {
        token: { key, keyId, teamId },
        production: environment === 'production',
        ...(address === undefined ? {} : { address }),
        ...(port === undefined ? {} : { port }),
        ...(ca === undefined ? {} : { ca: Array.isArray(ca) ? ca : [ca] }),
      };
      // node-apn's MultiProvider: a round-robin pool of its clients, each its own HTTP/2 session.
      provider = connections > 1 ? new apn.MultiProvider({ ...options, clientCount: connections }) : new apn.Provider(options);
      this.providers.set(environment, provider);
    }
    return provider;
  }
}

/**
 * A node-apn failure as an outcome. `status` is a number for an APNs answer, one of node-apn's
 * '(timeout)', '(aborted)', '(error)' for a stream that broke, absent for a connection that did.
 */
export function apnsOutcomeOf(failure: apn.ResponseFailure, now: number = Date.now()): SendOutcome {
  const status = failure.status as number | string | undefined;
  const reason = failure.response?.reason ?? failure.error?.message ?? 'unknown error';
  const described = typeof status === 'number' ? `${status} ${reason}` : reason;
  if (DEAD_TOKEN_REASONS.has(reason)) return { status: 'invalid_token', reason: described };
  if (typeof status !== 'number' || status === 408 || status === 429 || status >= 500) {
    const waitMs = retryAfterMs(failure.retryAfter, now);
    return { status: 'retry', reason: described, ...(waitMs === undefined ? {} : { retryAfterMs: waitMs }) };
  }
  return { status: 'failed', reason: described };
}

/** node-apn settles every request it writes, but a lane must never wait forever on one that slipped through. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * node-apn's shutdown waits for its session's 'close' event, which never comes again for a session
 * that a connection error already destroyed; the session is gone either way, so stop waiting.
 */
function shutdown(provider: apn.Provider | apn.MultiProvider, waitMs = 2000): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    timer.unref();
    provider.shutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
