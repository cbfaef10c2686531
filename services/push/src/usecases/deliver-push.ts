import type { Bus } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { Device, DeviceRepository, IdempotencyRepository, InboxRepository } from '@notify/store';
import type { RateLimiter } from '../lanes/rate-limiter';
import type { PushLane, PushMessage, PushSender, SendOutcome } from '../senders/push-sender';

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface DeliverPushDeps {
  bus: Bus;
  devices: DeviceRepository;
  inbox: InboxRepository;
  idempotency: IdempotencyRepository;
  senders: { apns?: PushSender | undefined; fcm?: PushSender | undefined };
  lane: PushLane;
  retry: RetryPolicy;
  /** Bulk lane only: per provider and app. */
  limiter?: RateLimiter | undefined;
  /** How long a device's "done" mark is kept, so a redelivered notification is not pushed twice. */
  dedupWindowMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const DEDUP_SCOPE = 'push';
const providerOf = (device: Device): 'apns' | 'fcm' => (device.platform === 'ios' ? 'apns' : 'fcm');

/**
 * One notification from a push lane to every active device of its user. Each device ends in one
 * status: sent, or failed with the provider's reason (a dead token also deactivates the device).
 * Throttling and provider errors are retried with exponential backoff and jitter, honouring the
 * provider's Retry-After, up to `maxAttempts`. A device is marked done once its outcome is final, so
 * a notification redelivered after a crash (or a digest re-sent under the same id) reaches no
 * device twice.
 */
export async function deliverPush(deps: DeliverPushDeps, notification: Notification): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const publish = (...statuses: DeliveryStatus[]) => (statuses.length ? deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: deps.lane === 'bulk' ? 'bulk' : 'default' }) : Promise.resolve());
  const status = (s: DeliveryStatus['status'], extra: Partial<DeliveryStatus> = {}): DeliveryStatus => ({
    version: 1,
    notificationId: notification.notificationId,
    eventId: notification.eventId,
    userId: notification.userId,
    status: s,
    channel: 'push',
    service: 'push',
    at: now().toISOString(),
    ...extra,
  });

  if (notification.expiresAt && new Date(notification.expiresAt) <= now()) return publish(status('expired', { reason: 'expired before it could be pushed' }));
  const devices = await deps.devices.listActive(notification.userId);
  if (devices.length === 0) return publish(status('suppressed', { reason: 'no active device registered for this user' }));

  const dedupKey = (device: Device) => `${notification.notificationId}|${device.token}`;
  const done = await Promise.all(devices.map((d) => deps.idempotency.isClaimed(DEDUP_SCOPE, dedupKey(d))));
  let pending = devices.filter((_, i) => !done[i]);
  if (pending.length === 0) return publish(status('duplicate', { reason: 'already pushed to every device' }));
  const badge = pending.some((d) => d.platform === 'ios') ? await deps.inbox.unreadCount(notification.userId) : undefined;
  const finish = async (device: Device) => deps.idempotency.claim(DEDUP_SCOPE, dedupKey(device), new Date(now().getTime() + (deps.dedupWindowMs ?? 3 * 24 * 3600_000)));

  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcomes = await sendToProviders(deps, pending.map((device) => ({ notification, device, lane: deps.lane, ...(badge === undefined ? {} : { badge }) })));
    const retry: Array<{ device: Device; outcome: Extract<SendOutcome, { status: 'retry' }> }> = [];
    const statuses: DeliveryStatus[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const device = pending[i]!;
      const channel = providerOf(device);
      const detail = { tokenSuffix: device.token.slice(-8), platform: device.platform, appId: device.appId, attempt };
      if (outcome.status === 'retry' && attempt < deps.retry.maxAttempts) {
        retry.push({ device, outcome });
        continue;
      }
      if (outcome.status === 'sent') statuses.push(status('sent', { channel, detail: { ...detail, ...(outcome.providerId ? { providerId: outcome.providerId } : {}) } }));
      else if (outcome.status === 'invalid_token') {
        await deps.devices.deactivate(device.token, outcome.reason);
        statuses.push(status('failed', { channel, reason: `invalid token, device deactivated: ${outcome.reason}`, detail }));
      } else if (outcome.status === 'retry') statuses.push(status('failed', { channel, reason: `gave up after ${attempt} attempts: ${outcome.reason}`, detail }));
      else statuses.push(status('failed', { channel, reason: outcome.reason, detail }));
      await finish(device);
    }
    await publish(...statuses);
    pending = retry.map((r) => r.device);
    if (pending.length > 0) {
      const providerWait = Math.max(0, ...retry.map((r) => r.outcome.retryAfterMs ?? 0));
      await sleep(Math.max(providerWait, backoffDelay(attempt, deps.retry)));
    }
  }
}

/** Exponential, with jitter over the upper half so retries from many pushes do not line up: attempt 1 waits ½–1 × initialDelay. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/** Sends each provider's share (rate-limited per provider and app on the bulk lane) and answers in the order asked. */
async function sendToProviders(deps: DeliverPushDeps, messages: PushMessage[]): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(messages.length);
  const byProvider = new Map<'apns' | 'fcm', number[]>();
  messages.forEach((m, i) => {
    const provider = providerOf(m.device);
    const indexes = byProvider.get(provider) ?? [];
    indexes.push(i);
    byProvider.set(provider, indexes);
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
