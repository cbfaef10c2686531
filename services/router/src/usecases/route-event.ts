import { NonRetriableError, type Bus, type PublishLane } from '@notify/bus';
import { topics, type DeliveryStatus, type Notification, type NotifyEvent } from '@notify/contracts';
import type { DigestRepository, IdempotencyRepository, Preferences, PreferencesRepository } from '@notify/store';
import { digestFlushAt } from '../digests/digest-schedule';
import type { EffectiveOutcome } from '../rules/defaults';
import type { RuleSet } from '../rules/compile';
import { applyOptOuts } from '../preferences/apply-opt-outs';
import { applyPresence } from '../presence/apply-presence';
import { notificationIdOf, planDelivery, routedStatus, statusesOf, type DeliveryLane } from './plan-delivery';

const laneTopics = { inapp: topics.deliverInapp, 'push.transactional': topics.deliverPushTransactional, 'push.bulk': topics.deliverPushBulk } satisfies Record<DeliveryLane, unknown>;

export interface RouteEventDeps {
  bus: Bus;
  /** The intake lane the event came from: what it writes travels in the same lane. */
  lane: PublishLane;
  rules: RuleSet;
  idempotency: IdempotencyRepository;
  digests: DigestRepository;
  /** For the user's time zone when a digest is sent at a fixed local time. */
  preferences: PreferencesRepository;
  /** Whether a user has a live socket somewhere (the router's presence view). */
  isOnline: (userId: string) => boolean;
  /** A digest reached its item cap: send it now rather than at the end of its window. */
  onDigestFull?: (bucketId: string) => void;
  /** How long an event id is remembered: a producer retry or replay within it is one notification. */
  dedupWindowMs?: number;
}

const DEDUP_SCOPE = 'router:event';
const DEFAULT_DEDUP_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Evaluates the rules for an event, writes its notifications to their lane and every decision to
 * delivery.status. An event id seen before is skipped. The id is remembered only after the
 * notifications are durable: a crash in between means a duplicate (which every later stage drops
 * by notification id), never a lost notification. Retries of one event share its key and lane, so
 * they are handled one after the other; only the same id sent at the same moment on both lanes can
 * pass this check twice, and is then dropped downstream by notification id.
 */
export async function routeEvent(deps: RouteEventDeps, event: NotifyEvent, now = new Date()): Promise<'routed' | 'duplicate'> {
  if (await deps.idempotency.isClaimed(DEDUP_SCOPE, event.id)) {
    const userIds = 'userId' in event.to ? [event.to.userId] : 'userIds' in event.to ? event.to.userIds : [];
    await deps.bus.publish(
      topics.deliveryStatus,
      userIds.map((userId) => ({ value: { version: 1, eventId: event.id, notificationId: notificationIdOf(event.id, userId), userId, status: 'duplicate', reason: 'event id already routed', service: 'router', at: now.toISOString() } })),
      { lane: deps.lane },
    );
    return 'duplicate';
  }
  const { ruleId, outcome } = deps.rules.evaluate(event);
  if (ruleId === null && event.priority === undefined) {
    throw new NonRetriableError('unknown_type', `no rule matches type "${event.type}" and the event has no priority: add a rule for it or send a priority`);
  }
  const plan = planDelivery(event, outcome, now);
  if (plan.kind === 'unroutable') throw new NonRetriableError('no_recipient', plan.reason);
  if (plan.kind !== 'deliver') {
    await deps.bus.publish(topics.deliveryStatus, statusesOf(event, plan, now, ruleId).map((value) => ({ value })), { lane: deps.lane });
  } else {
    const preferences = await preferencesOf(deps, event, outcome, plan.notifications);
    const { byLane: allowed, suppressed } = applyOptOuts(plan.lane, plan.notifications, (userId) => preferences.get(userId));
    const byLane = applyPresence(allowed, deps.isOnline);
    for (const [lane, notifications] of byLane) {
      if (notifications.length === 0) continue;
      if (lane === 'push.bulk' && outcome.batching) {
        await batch(deps, event, notifications, outcome.batching, ruleId, now);
        continue;
      }
      await deps.bus.publish(laneTopics[lane], notifications.map((value) => ({ value })), { lane: deps.lane });
      await deps.bus.publish(topics.deliveryStatus, notifications.map((n) => ({ value: routedStatus(n, lane, now, ruleId) })), { lane: deps.lane });
    }
    if (suppressed.length > 0) {
      const statuses = suppressed.map(({ notification: n, reason }): DeliveryStatus => ({ version: 1, eventId: n.eventId, notificationId: n.notificationId, userId: n.userId, status: 'suppressed', reason, service: 'router', at: now.toISOString(), ...(ruleId ? { detail: { ruleId } } : {}) }));
      await deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: deps.lane });
    }
  }
  await deps.idempotency.claim(DEDUP_SCOPE, event.id, new Date(now.getTime() + (deps.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS)));
  return 'routed';
}

/** Opt-outs are per category: events without one, and rules that override opt-outs, need no lookup. */
async function preferencesOf(deps: RouteEventDeps, event: NotifyEvent, outcome: EffectiveOutcome, notifications: Notification[]): Promise<Map<string, Preferences | null>> {
  if (!event.category || outcome.ignoreOptOut) return new Map();
  const userIds = [...new Set(notifications.map((n) => n.userId))];
  return new Map(await Promise.all(userIds.map(async (userId) => [userId, await deps.preferences.get(userId)] as const)));
}

/** The digest a rule's batched notifications collect in; the defaults have one of their own. */
export const digestKeyOf = (ruleId: string | null): string => ruleId ?? 'defaults:marketing';

/** Adds each recipient's notification to their open digest, durably, and records it as batched. */
async function batch(deps: RouteEventDeps, event: NotifyEvent, notifications: Notification[], batching: NonNullable<EffectiveOutcome['batching']>, ruleId: string | null, now: Date): Promise<void> {
  const statuses: DeliveryStatus[] = [];
  for (const n of notifications) {
    const timeZone = batching.sendAt ? ((await deps.preferences.get(n.userId))?.timeZone ?? 'UTC') : 'UTC';
    const { bucket, full } = await deps.digests.add({
      userId: n.userId,
      digestKey: digestKeyOf(ruleId),
      item: { eventId: event.id, at: now, data: n.content.data, ...(n.content.title ? { title: n.content.title } : {}), ...(n.content.body ? { body: n.content.body } : {}) },
      flushAt: digestFlushAt(batching, now, timeZone),
      maxItems: batching.maxItems,
    });
    if (full) deps.onDigestFull?.(bucket.bucketId);
    statuses.push({ version: 1, eventId: event.id, notificationId: n.notificationId, userId: n.userId, status: 'batched', channel: 'push', service: 'router', at: now.toISOString(), detail: { digestKey: bucket.digestKey, sendAt: bucket.flushAt.toISOString(), ...(ruleId ? { ruleId } : {}) } });
  }
  await deps.bus.publish(topics.deliveryStatus, statuses.map((value) => ({ value })), { lane: deps.lane });
}
