import type { DeliveryStatus, Notification } from '@notify/contracts';
import type { Device, IdempotencyRepository } from '@notify/store';
import { providerOf } from '../senders/provider-of';
import type { PushMessage, SendOutcome } from '../senders/push-sender';
import type { DeliverPushDeps } from './deliver-push';
import { publishStatuses, statusOf } from './push-statuses';

/** A device's "done" mark: this notification reached its final outcome on this device. */
export const DONE_SCOPE = 'push';
export const doneKey = (notification: Notification, device: Readonly<Device>) => `${notification.notificationId}|${device.token}`;

/** A device to try again, and what the provider said. */
export type RetryLater = { device: Readonly<Device>; outcome: Extract<SendOutcome, { status: 'retry' }> };

interface Attempt {
  notification: Notification;
  devices: ReadonlyArray<Readonly<Device>>;
  attempt: number;
  badge: number | undefined;
  resolve: (retry: RetryLater[]) => void;
  reject: (err: unknown) => void;
}

/**
 * One slice's push attempts, gathered per turn of the event loop: every notification that makes an
 * attempt in the same turn (a slice's users start together) is sent at once, and their outcomes
 * cost one deactivation, one insert of done marks and one publish of statuses for all of them, not
 * one each. On a MongoDB-wire server a write has a fixed cost of about a millisecond of
 * CPU on each side whatever its size, so the marks of 500 pushes written in one go cost about as
 * much as the marks of 20 written one by one.
 *
 * Each caller gets back its devices to try again, once the marks and statuses of the others are
 * durable; its retries (after their backoff) join whatever round is gathering then.
 */
export class AttemptRound {
  private gathering: Attempt[] = [];
  private scheduled = false;

  constructor(
    private readonly deps: DeliverPushDeps,
    private readonly marks: { expiresAt: Date; holder: string },
  ) {}

  /** Sends one attempt of a notification to these devices; resolves with the devices to retry. */
  attempt(notification: Notification, devices: ReadonlyArray<Readonly<Device>>, attempt: number, badge: number | undefined): Promise<RetryLater[]> {
    return new Promise<RetryLater[]>((resolve, reject) => {
      this.gathering.push({ notification, devices, attempt, badge, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const attempts = this.gathering;
        this.gathering = [];
        this.run(attempts).catch((err: unknown) => attempts.forEach((a) => a.reject(err)));
      });
    });
  }

  private async run(attempts: readonly Attempt[]): Promise<void> {
    const { deps } = this;
    const now = deps.now ?? (() => new Date());
    // Sent per notification (the senders merge them: node-apn multiplexes, FCM's batcher fills sendEach),
    // so a sender that throws fails only its own notification, which is then not marked.
    const sends = await Promise.allSettled(
      attempts.map(({ notification, devices, attempt, badge }) =>
        sendToProviders(deps, devices.map((device) => ({ notification, device, lane: deps.lane, attempt, ...(badge === undefined ? {} : { badge }) }))),
      ),
    );
    const retries: RetryLater[][] = [];
    const finished: Array<{ key: string; expiresAt: Date; holder: string }> = [];
    const dead: Array<{ device: Readonly<Device>; reason: string }> = [];
    const statuses: DeliveryStatus[] = [];
    for (const [i, { notification, devices, attempt }] of attempts.entries()) {
      const sent = sends[i]!;
      if (sent.status === 'rejected') continue;
      const retry: RetryLater[] = [];
      for (const [d, device] of devices.entries()) {
        const outcome = sent.value[d]!;
        if (outcome.status === 'retry' && attempt < deps.retry.maxAttempts) {
          retry.push({ device, outcome });
          continue;
        }
        finished.push({ key: doneKey(notification, device), ...this.marks });
        const channel = providerOf(device.platform);
        const detail = { tokenSuffix: device.token.slice(-8), platform: device.platform, appId: device.appId, attempt };
        if (outcome.status === 'sent') statuses.push(statusOf(notification, now, 'sent', { channel, detail: outcome.providerId ? { ...detail, providerId: outcome.providerId } : detail }));
        else if (outcome.status === 'invalid_token') {
          dead.push({ device, reason: outcome.reason });
          statuses.push(statusOf(notification, now, 'failed', { channel, reason: `invalid token, device deactivated: ${outcome.reason}`, detail }));
        } else if (outcome.status === 'retry') statuses.push(statusOf(notification, now, 'failed', { channel, reason: `gave up after ${attempt} attempts: ${outcome.reason}`, detail }));
        else statuses.push(statusOf(notification, now, 'failed', { channel, reason: outcome.reason, detail }));
      }
      retries[i] = retry;
    }
    await deps.devices.deactivate(dead, deps.lane === 'bulk' ? 'bulk' : 'default');
    // Marked done before the statuses go out: after a crash between the two, a status is missing, but no device is pushed twice.
    if (finished.length > 0) await markDone(deps.idempotency, finished, deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))));
    await publishStatuses(deps.bus, deps.lane, statuses);
    attempts.forEach((a, i) => {
      const sent = sends[i]!;
      if (sent.status === 'rejected') a.reject(sent.reason);
      else a.resolve(retries[i]!);
    });
  }
}

/** About a minute of tries: a database restart, not an outage. */
const DONE_MARK_ATTEMPTS = 15;

/**
 * The push is out, so its done mark must be stored: a slice failed here would be delivered again and
 * pushed twice. So a store that fails (restarting, failing over) is tried again for about a minute
 * before the slice is given up.
 */
async function markDone(idempotency: IdempotencyRepository, marks: Parameters<IdempotencyRepository['claimMany']>[1], sleep: (ms: number) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await idempotency.claimMany(DONE_SCOPE, marks);
      return;
    } catch (err) {
      if (attempt >= DONE_MARK_ATTEMPTS) throw err;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }
}

/** Sends each provider's share (rate-limited per provider and app on the bulk lane) and answers in the order asked. */
async function sendToProviders(deps: DeliverPushDeps, messages: PushMessage[]): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(messages.length);
  const byProvider = new Map<'apns' | 'fcm', number[]>();
  messages.forEach((m, i) => {
    const provider = providerOf(m.device.platform);
    const indexes = byProvider.get(provider);
    if (indexes) indexes.push(i);
    else byProvider.set(provider, [i]);
  });
  await Promise.all(
    [...byProvider].map(async ([provider, indexes]) => {
      const sender = deps.senders[provider];
      if (!sender) {
        for (const i of indexes) outcomes[i] = { status: 'failed', reason: `${provider === 'apns' ? 'APNs' : 'FCM'} is not configured on this push service` };
        return;
      }
      const batch = indexes.map((i) => messages[i]!);
      if (deps.limiter) for (const [appId, count] of countBy(batch.map((m) => m.device.appId))) await deps.limiter.acquire(`${provider}:${appId}`, count);
      const answers = await sender.send(batch);
      indexes.forEach((messageIndex, j) => (outcomes[messageIndex] = answers[j] ?? { status: 'failed', reason: 'the sender gave no answer' }));
    }),
  );
  return outcomes;
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
