import { randomUUID } from 'node:crypto';
import type { Bus, PublishLane } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification } from '@notify/contracts';
import type { Device, IdempotencyRepository, InboxRepository } from '@notify/store';
import { pushTargetsOf } from '../devices/push-targets';
import type { RateLimiter } from '../lanes/rate-limiter';
import type { PushLane, PushMessage, PushSender, SendOutcome } from '../senders/push-sender';

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Where a push finds a user's devices and reports dead ones (the push service's device directory). */
export interface PushDevices {
  listActive(userId: string): Promise<ReadonlyArray<Readonly<Device>>>;
  /** Every user asked is in the answer (with no devices when none). */
  listActiveMany(userIds: readonly string[]): Promise<ReadonlyMap<string, ReadonlyArray<Readonly<Device>>>>;
  deactivate(dead: ReadonlyArray<{ device: Pick<Device, 'token' | 'userId' | 'platform' | 'appId' | 'environment'>; reason: string }>, lane?: PublishLane): Promise<void>;
}

export interface DeliverPushDeps {
  bus: Bus;
  devices: PushDevices;
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

/** A device's "done" mark: this notification reached its final outcome on this device. */
const DONE_SCOPE = 'push';
/** A notification's "started" mark: some push instance has begun pushing it. */
const STARTED_SCOPE = 'push:started';
const DEFAULT_DEDUP_WINDOW_MS = 3 * 24 * 3600_000;
const providerOf = (device: Readonly<Device>): 'apns' | 'fcm' => (device.platform === 'ios' ? 'apns' : 'fcm');
const doneKey = (notification: Notification, device: Readonly<Device>) => `${notification.notificationId}|${device.token}`;

/**
 * A slice of a push lane's partition, each notification to every active device of its user. Each
 * device ends in one status: sent, or failed with the provider's reason (a dead token also
 * deactivates the device). Throttling and provider errors are retried with exponential backoff and
 * jitter, honouring the provider's Retry-After, up to `maxAttempts`. A device is marked done once its
 * outcome is final, so a notification redelivered after a crash (or a digest re-sent under the same
 * id) reaches no device twice.
 *
 * Worked as one: each user's devices looked up once (from the cache), one insert of the slice's
 * "started" marks, then each user's notifications pushed in order, users side by side. Retries stay
 * per device, so a throttled device delays only its own user's later notifications. Resolves once
 * every notification has its outcome; if any failed, every other one has still finished before the
 * slice is given back to be retried.
 */
export async function deliverPushBatch(deps: DeliverPushDeps, notifications: readonly Notification[]): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const expiresAt = new Date(now().getTime() + (deps.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS));
  const publish = publisher(deps);

  const isExpired = (n: Notification) => n.expiresAt !== undefined && new Date(n.expiresAt) <= now();
  const live = notifications.filter((n) => !isExpired(n));
  const expired = notifications.filter(isExpired).map((n) => statusOf(n, now, 'expired', { reason: 'expired before it could be pushed' }));
  const byUser = groupByUser(live);
  const devicesOf = await deps.devices.listActiveMany([...byUser.keys()]);
  const targetsOf = pushTargetsOf(live, devicesOf);
  const withDevices = live.filter((n) => targetsOf.get(n)!.devices.length > 0);
  const suppressed = live.filter((n) => targetsOf.get(n)!.devices.length === 0).map((n) => statusOf(n, now, 'suppressed', { reason: targetsOf.get(n)!.whenNone }));
  await publish(...expired, ...suppressed);
  if (withDevices.length === 0) return;

  // The badges of the users with an app on iOS, read together (a Live Activity shows no badge).
  const badgeUsers = new Set(withDevices.filter((n) => !n.push?.liveActivity && targetsOf.get(n)!.devices.some((d) => d.platform === 'ios')).map((n) => n.userId));
  const [firstTime, badges] = await Promise.all([firstHandlings(deps, withDevices, expiresAt), badgeUsers.size > 0 ? deps.inbox.unreadCounts([...badgeUsers]) : new Map<string, number>()]);
  const results = await Promise.allSettled(
    [...byUser.values()].map(async (own) => {
      for (const notification of own) {
        const devices = targetsOf.get(notification)!.devices;
        if (devices.length > 0) await pushToDevices(deps, notification, devices, { firstTime: firstTime.has(notification), expiresAt, badge: badges.get(notification.userId) });
      }
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * The notifications no push instance has started before, decided by one insert of "started" marks:
 * those can have no device marked done, so they read no mark. The others (a redelivery after a crash
 * or a failed slice, a digest re-sent under its id) read their devices' marks by `_id`.
 */
async function firstHandlings(deps: DeliverPushDeps, notifications: readonly Notification[], expiresAt: Date): Promise<Set<Notification>> {
  // Distinct per handling: a retry of this very slice must read its marks, not take the claim for its own.
  const holder = randomUUID();
  const seen = new Set<string>();
  const unique = notifications.filter((n) => !seen.has(n.notificationId) && seen.add(n.notificationId));
  const outcomes = await deps.idempotency.claimMany(STARTED_SCOPE, unique.map((n) => ({ key: n.notificationId, expiresAt, holder })));
  return new Set(
    unique.filter((_, i) => {
      const outcome = outcomes[i]!;
      return outcome.claimed && !outcome.again;
    }),
  );
}

async function pushToDevices(deps: DeliverPushDeps, notification: Notification, devices: ReadonlyArray<Readonly<Device>>, options: { firstTime: boolean; expiresAt: Date; badge: number | undefined }): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const publish = publisher(deps);
  const status = (s: DeliveryStatus['status'], extra: Partial<DeliveryStatus> = {}) => statusOf(notification, now, s, extra);

  let pending = devices;
  if (!options.firstTime) {
    const done = await Promise.all(devices.map((d) => deps.idempotency.isClaimed(DONE_SCOPE, doneKey(notification, d))));
    pending = devices.filter((_, i) => !done[i]);
    if (pending.length === 0) return publish(status('duplicate', { reason: 'already pushed to every device' }));
  }
  const badge = options.badge;
  const holder = randomUUID();

  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcomes = await sendToProviders(deps, pending.map((device) => ({ notification, device, lane: deps.lane, attempt, ...(badge === undefined ? {} : { badge }) })));
    const retry: Array<{ device: Readonly<Device>; outcome: Extract<SendOutcome, { status: 'retry' }> }> = [];
    const finished: Array<Readonly<Device>> = [];
    const dead: Array<{ device: Readonly<Device>; reason: string }> = [];
    const statuses: DeliveryStatus[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const device = pending[i]!;
      const channel = providerOf(device);
      const detail = { tokenSuffix: device.token.slice(-8), platform: device.platform, appId: device.appId, attempt };
      if (outcome.status === 'retry' && attempt < deps.retry.maxAttempts) {
        retry.push({ device, outcome });
        continue;
      }
      finished.push(device);
      if (outcome.status === 'sent') statuses.push(status('sent', { channel, detail: { ...detail, ...(outcome.providerId ? { providerId: outcome.providerId } : {}) } }));
      else if (outcome.status === 'invalid_token') {
        dead.push({ device, reason: outcome.reason });
        statuses.push(status('failed', { channel, reason: `invalid token, device deactivated: ${outcome.reason}`, detail }));
      } else if (outcome.status === 'retry') statuses.push(status('failed', { channel, reason: `gave up after ${attempt} attempts: ${outcome.reason}`, detail }));
      else statuses.push(status('failed', { channel, reason: outcome.reason, detail }));
    }
    await deps.devices.deactivate(dead, deps.lane === 'bulk' ? 'bulk' : 'default');
    // Marked done before the statuses go out: after a crash between the two, a status is missing, but no device is pushed twice.
    if (finished.length > 0) await markDone(deps, finished.map((d) => ({ key: doneKey(notification, d), expiresAt: options.expiresAt, holder })), sleep);
    await publish(...statuses);
    pending = retry.map((r) => r.device);
    if (pending.length > 0) {
      const providerWait = Math.max(0, ...retry.map((r) => r.outcome.retryAfterMs ?? 0));
      await sleep(Math.max(providerWait, backoffDelay(attempt, deps.retry)));
    }
  }
}

/** About a minute of tries: a database restart, not an outage. */
const DONE_MARK_ATTEMPTS = 15;

/**
 * The push is out, so its done mark must be stored: a slice failed here would be delivered again and
 * pushed twice. So a store that fails (restarting, failing over) is tried again for about a minute
 * before the slice is given up.
 */
async function markDone(deps: DeliverPushDeps, marks: Parameters<IdempotencyRepository['claimMany']>[1], sleep: (ms: number) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.idempotency.claimMany(DONE_SCOPE, marks);
      return;
    } catch (err) {
      if (attempt >= DONE_MARK_ATTEMPTS) throw err;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }
}

/** Exponential, with jitter over the upper half so retries from many pushes do not line up: attempt 1 waits ½–1 × initialDelay. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/** Writes statuses on delivery.status, on the bulk producer for the bulk lane. */
function publisher(deps: DeliverPushDeps) {
  return (...statuses: DeliveryStatus[]): Promise<void> => (statuses.length ? deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: deps.lane === 'bulk' ? 'bulk' : 'default' }) : Promise.resolve());
}

function statusOf(notification: Notification, now: () => Date, s: DeliveryStatus['status'], extra: Partial<DeliveryStatus> = {}): DeliveryStatus {
  return { version: 1, notificationId: notification.notificationId, eventId: notification.eventId, userId: notification.userId, status: s, channel: 'push', service: 'push', at: now().toISOString(), ...extra };
}

/** Each user's notifications, in the order they came. */
function groupByUser(notifications: readonly Notification[]): Map<string, Notification[]> {
  const byUser = new Map<string, Notification[]>();
  for (const n of notifications) {
    const own = byUser.get(n.userId);
    if (own) own.push(n);
    else byUser.set(n.userId, [n]);
  }
  return byUser;
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
