import type { BatchResponse, Messaging, SendResponse, TokenMessage } from 'firebase-admin/messaging';
import { buildFcmMessage, type WebPushLook } from './fcm-payload';
import { FcmQuotaGate } from './fcm-quota-gate';
import type { ProjectThrottle } from './project-throttle';
import type { PushMessage, PushSender, SendOutcome } from './push-sender';

/** firebase-admin takes at most 500 messages per `sendEach`. */
export const FCM_BATCH_LIMIT = 500;

const INVALID_TOKEN_CODES = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);
const RETRY_CODES = new Set([
  'messaging/message-rate-exceeded',
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  // firebase-admin's own network failures: the request may never have reached FCM.
  'app/network-error',
  'app/network-timeout',
  'messaging/app/network-error',
]);

interface ErrorLike {
  code?: string;
  message?: string;
}

/**
 * Sends to FCM (HTTP v1) over a firebase-admin `Messaging` the service builds from its
 * credential. Every message goes through `sendEach`, in chunks of at most 500, one chunk after
 * the other (each is one HTTP/2 session with one stream per message). `sendEachForMulticast` is
 * never used: firebase-admin only expands its tokens into `sendEach` messages, so it
 * saves no request, and one `sendEach` over a whole mixed batch opens fewer sessions.
 *
 * A 429 is about the project's quota, not the device: every call then waits until the project's
 * pause is over ({@link FcmQuotaGate}; FCM's retry-after when it sent one, else a floor of a minute,
 * doubling), read from the error's HTTP response, which firebase-admin 14 keeps on it. firebase-admin
 * still retries a 503 itself.
 * @example const fcm = new FcmSender(getMessaging(app)); await fcm.send(messages);
 */
export class FcmSender implements PushSender {
  readonly provider = 'fcm' as const;
  private readonly gate: FcmQuotaGate;

  constructor(
    private readonly messaging: Messaging,
    private readonly batchLimit = FCM_BATCH_LIMIT,
    /** How the project's sends pause after a 429; default: FCM's floor and cap. */
    throttle?: ProjectThrottle,
    /** How notifications look in a browser (web devices). */
    private readonly web: WebPushLook = {},
  ) {
    this.gate = new FcmQuotaGate(messaging, throttle);
  }

  async send(messages: readonly PushMessage[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = new Array(messages.length);
    const ready: Array<{ index: number; message: TokenMessage }> = [];
    messages.forEach((m, index) => {
      const built = buildFcmMessage(m.notification, m.device, m.badge, new Date(), this.web);
      if (built.ok) ready.push({ index, message: built.message });
      else outcomes[index] = { status: 'failed', reason: built.reason };
    });
    for (let start = 0; start < ready.length; start += this.batchLimit) {
      const chunk = ready.slice(start, start + this.batchLimit);
      const sentAt = await this.gate.ready();
      const responses = await this.sendChunk(chunk.map((c) => c.message));
      const settled = this.gate.settle(sentAt, responses, chunk.map((_, i) => fcmOutcomeOf(responses[i])));
      chunk.forEach((c, i) => (outcomes[c.index] = settled[i]!));
    }
    return outcomes;
  }

  /** The app, and deleting it, belong to whoever built it; sendEach leaves no connection open between calls. */
  async close(): Promise<void> {}

  /** One response per message; a failed call answers for every message it did not report. */
  private async sendChunk(messages: TokenMessage[]): Promise<Array<SendResponse | ErrorLike>> {
    try {
      return (await this.messaging.sendEach(messages)).responses;
    } catch (err) {
      // A broken HTTP/2 session still reports the messages that finished before it broke.
      const pending = (err as { pendingBatchResponse?: Promise<BatchResponse> }).pendingBatchResponse;
      const partial = pending ? await pending.then((r) => r.responses).catch(() => []) : [];
      return messages.map((_, i) => partial[i] ?? (err as ErrorLike));
    }
  }
}

/** A firebase-admin answer (a `SendResponse`, or the error of a failed call) as an outcome. */
export function fcmOutcomeOf(response: SendResponse | ErrorLike | undefined): SendOutcome {
  if (response && 'success' in response && response.success) return { status: 'sent', ...(response.messageId ? { providerId: response.messageId } : {}) };
  const error: ErrorLike = (response && 'success' in response ? response.error : response) ?? {};
  const code = error.code ?? 'unknown';
  const message = error.message ?? 'no message';
  const reason = `${code}: ${message}`;
  if (INVALID_TOKEN_CODES.has(code)) return { status: 'invalid_token', reason };
  // INVALID_ARGUMENT covers any bad field; FCM's message names the token when the token is at fault.
  if (code === 'messaging/invalid-argument' && /registration token/i.test(message)) return { status: 'invalid_token', reason };
  if (RETRY_CODES.has(code)) return { status: 'retry', reason };
  return { status: 'failed', reason };
}
