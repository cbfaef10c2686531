import { randomUUID } from 'node:crypto';
import type { Bus, PublishLane } from '@notify/bus';
import type { DeliveryStatus, Notification } from '@notify/contracts';
import type { Device, IdempotencyRepository, InboxRepository } from '@notify/store';
import { pushTargetsOf } from '../devices/push-targets';
import type { RateLimiter } from '../lanes/rate-limiter';
import type { PushLane, PushSender } from '../senders/push-sender';
import { AttemptRound, DONE_SCOPE, doneKey } from './attempt-round';
import { publishStatuses, statusOf } from './push-statuses';

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Where a push finds a user's devices and reports dead ones (the push service's device directory). */
export interface PushDevices {
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

/** A notification's "started" mark: some push instance has begun pushing it. */
const STARTED_SCOPE = 'push:started';
const DEFAULT_DEDUP_WINDOW_MS = 3 * 24 * 3600_000;

/**
 * A slice of a push lane's partition, each notification to every active device of its user. Each
 * device ends in one status: sent, or failed with the provider's reason (a dead token also
 * deactivates the device). Throttling and provider errors are retried with exponential backoff and
 * jitter, honouring the provider's Retry-After, up to `maxAttempts`. A device is marked done once its
 * outcome is final, so a notification redelivered after a crash (or a digest re-sent under the same
 * id) reaches no device twice.
 *
 * Worked as one: the users' devices looked up together (from the cache, the others with one read),
 * the iOS users' badges with one count, one insert of the slice's "started" marks; then each user's
 * notifications pushed in order, users side by side, their attempts gathered into rounds (see
 * AttemptRound: one write of done marks and one publish of statuses per round). Retries stay per
 * device, so a throttled device delays only its own user's later notifications. Resolves once every
 * notification has its outcome; if any failed, every other one has still finished before the slice
 * is given back to be retried.
 */
export async function deliverPushBatch(deps: DeliverPushDeps, notifications: readonly Notification[]): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const expiresAt = new Date(now().getTime() + (deps.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS));
  const publish = (...statuses: DeliveryStatus[]) => publishStatuses(deps.bus, deps.lane, statuses);

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
  // One holder for the slice's done marks: they are read back only as "done or not".
  const round = new AttemptRound(deps, { expiresAt, holder: randomUUID() });
  const results = await Promise.allSettled(
    [...byUser.values()].map(async (own) => {
      for (const notification of own) {
        const devices = targetsOf.get(notification)!.devices;
        if (devices.length > 0) await pushToDevices(deps, round, notification, devices, { firstTime: firstTime.has(notification), badge: badges.get(notification.userId) });
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

async function pushToDevices(deps: DeliverPushDeps, round: AttemptRound, notification: Notification, devices: ReadonlyArray<Readonly<Device>>, options: { firstTime: boolean; badge: number | undefined }): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = devices;
  if (!options.firstTime) {
    const done = await Promise.all(devices.map((d) => deps.idempotency.isClaimed(DONE_SCOPE, doneKey(notification, d))));
    pending = devices.filter((_, i) => !done[i]);
    if (pending.length === 0) return publishStatuses(deps.bus, deps.lane, [statusOf(notification, now, 'duplicate', { reason: 'already pushed to every device' })]);
  }
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry = await round.attempt(notification, pending, attempt, options.badge);
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
