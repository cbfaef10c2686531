import { randomUUID } from 'node:crypto';
import { NonRetriableError, runKeyed, type Bus, type PublishLane } from '@notify/bus';
import { intakeKeyOf, topics, type DeliveryStatus, type Notification, type NotifyEvent } from '@notify/contracts';
import type { BudgetRepository, DigestRepository, EscalationRepository, IdempotencyRepository, Preferences, TopicRepository } from '@notify/store';
import type { RuleSet } from '../rules/compile';
import { QUIET_HOURS_DIGEST } from '../preferences/quiet-hours';
import { notificationIdOf, planDelivery, routedStatus, statusesOf, type DeliveryLane } from './plan-delivery';
import { decideDelivery, digestKeyOf, type DeliveryDecisionInput, type RecipientFate } from './decide-delivery';
import type { RuleHitOutcome } from '../rules/rule-hits';
import { Outbox } from './outbox';
import { budgetFallbacks, shedOverBudget, spendBudget } from '../budgets/apply-budget';
import type { Shed } from '../budgets/decide-budget';
import { RateSlots } from './rate-cap';
import { startEscalations } from '../escalations/start-escalations';

const laneTopics = { inapp: topics.deliverInapp, 'push.transactional': topics.deliverPushTransactional, 'push.bulk': topics.deliverPushBulk } satisfies Record<DeliveryLane, unknown>;

export interface RouteEventDeps {
  bus: Bus;
  /** The intake lane the event came from: what it writes travels in the same lane. */
  lane: PublishLane;
  rules: RuleSet;
  idempotency: IdempotencyRepository;
  digests: DigestRepository;
  /** Opt-outs, quiet hours and time zones: the router's local view, no database read per event. */
  preferences: PreferencesSource;
  /** Users' learned read times, for digests sent at their best hour (without it: at the rule's fallbackAt). */
  sendTimesOf?: DeliveryDecisionInput['sendTimesOf'];
  /** Whether a user has a live socket somewhere (the router's presence view). */
  isOnline: (userId: string) => boolean;
  topics: TopicRepository;
  /** Push slots of rules with a rate cap (one per router: it remembers where each user's window stands). */
  rateSlots?: RateSlots;
  /** Daily interruption budgets (rules with a budget); without it, budgets are not applied. */
  budgets?: BudgetRepository;
  /** Called with the member count after a topic event was expanded (metrics, tests). */
  onExpanded?: (members: number) => void;
  /** A digest reached its item cap: send it now rather than at the end of its window. */
  onDigestFull?: (bucketId: string) => void;
  /** How long an event id is remembered: a producer retry or replay within it is one notification. */
  dedupWindowMs?: number;
  /** Called once per event a rule (or the defaults) decided: per-rule metrics, recent events for dry runs. */
  onDecided?: (event: NotifyEvent, ruleId: string | null, outcome: RuleHitOutcome) => void;
  /** Where escalation ladders are kept; without it, rules' ladders are not started. */
  escalations?: EscalationRepository;
  /** The intake partition the batch came from: its owner sweeps the ladders the batch starts. */
  partition?: number;
}

/** Where a router reads preferences from: its view of the preferences topic, or the store in tests. */
export interface PreferencesSource {
  get(userId: string): Promise<Preferences | null> | Preferences | null;
}

/** An event as read from an intake topic, with the position it was read from (its claim's holder). */
export interface IntakeMessage {
  event: NotifyEvent;
  /** Unique per message (topic, partition, offset): the same message read again claims as the same holder. */
  source: string;
}

export type RouteOutcome = 'routed' | 'duplicate' | 'expanded' | 'triaged';

const DEDUP_SCOPE = 'router:event';
const DEFAULT_DEDUP_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** Recipients of one batch routed side by side (one recipient's events always one after the other). */
const USERS_AT_ONCE = 32;

/**
 * Routes one batch of an intake partition: evaluates the rules per event, writes the notifications to
 * their lanes and every decision to delivery.status, with one write per topic for the whole batch.
 *
 * Deduplication is one insert of the batch's claims: an event id claimed by another message is a
 * duplicate. A claim names the message that made it, so the same message read again (a retry, or a
 * redelivery after a crash between claiming and writing) is routed again rather than taken for a
 * duplicate; the later stages drop what they already have by notification id. Nothing is lost either
 * way, and nothing reaches a user twice. Marketing that reached the default lane is moved to the bulk
 * lane unclaimed: the bulk lane claims it.
 */
export async function routeEvents(deps: RouteEventDeps, messages: readonly IntakeMessage[], now = new Date()): Promise<RouteOutcome[]> {
  const outbox = new Outbox(deps.bus, deps.lane);
  const outcomes: RouteOutcome[] = [];
  const toRoute: number[] = [];
  const evaluations = messages.map(({ event }) => ('topic' in event.to ? null : deps.rules.evaluate(event)));
  messages.forEach(({ event }, index) => {
    // Triage: marketing that reached the default lane (a producer that does not know the rules) moves to
    // the bulk lane with one write, so its digest work never runs in front of urgent events.
    if (deps.lane === 'default' && evaluations[index]?.outcome.priority === 'marketing') {
      outbox.add(topics.notifyEventsBulk, event);
      outcomes[index] = 'triaged';
    } else toRoute.push(index);
  });
  const expiresAt = new Date(now.getTime() + (deps.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS));
  const claims = await deps.idempotency.claimMany(
    DEDUP_SCOPE,
    toRoute.map((index) => ({ key: dedupKeyOf(messages[index]!.event), expiresAt, holder: messages[index]!.source })),
  );
  const claimOf = new Map(toRoute.map((index, position) => [index, claims[position]!]));
  await runKeyed(toRoute, {
    limit: USERS_AT_ONCE,
    keyOf: (index) => intakeKeyOf(messages[index]!.event),
    mayStart: () => true,
    onCommittable: () => {},
    run: async (index) => {
      const { event } = messages[index]!;
      const claim = claimOf.get(index)!;
      if (!claim.claimed) outcomes[index] = duplicate(outbox, event, now);
      else if ('topic' in event.to) outcomes[index] = await expanded(deps, event, event.to.topic, now);
      else {
        try {
          outcomes[index] = await route(deps, outbox, event, evaluations[index]!, now, claim.again);
        } catch (err) {
          // Refused for good (dead-lettered): the id stays free for a corrected resend.
          if (err instanceof NonRetriableError) await deps.idempotency.release(DEDUP_SCOPE, dedupKeyOf(event));
          throw err;
        }
      }
      return 'committable';
    },
  });
  await outbox.flush();
  return outcomes;
}

/** One event on its own (tests, tools): a batch of one, claimed under a holder of its own. */
export async function routeEvent(deps: RouteEventDeps, event: NotifyEvent, now = new Date()): Promise<RouteOutcome> {
  const [outcome] = await routeEvents(deps, [{ event, source: `call:${randomUUID()}` }], now);
  return outcome!;
}

// The recipient is part of the key: a topic's per-member events share the topic event's id.
const dedupKeyOf = (event: NotifyEvent) => `${event.id}|${intakeKeyOf(event)}`;

function duplicate(outbox: Outbox, event: NotifyEvent, now: Date): 'duplicate' {
  const userIds = 'userId' in event.to ? [event.to.userId] : 'userIds' in event.to ? event.to.userIds : [];
  const base = { version: 1 as const, eventId: event.id, eventType: event.type, status: 'duplicate' as const, reason: 'event id already routed', service: 'router', at: now.toISOString() };
  // A topic event has no direct recipients: its duplicate is recorded once, for the event.
  const statuses: DeliveryStatus[] = userIds.length > 0 ? userIds.map((userId) => ({ ...base, notificationId: notificationIdOf(event.id, userId), userId })) : [base];
  outbox.add(topics.deliveryStatus, ...statuses);
  return 'duplicate';
}

async function expanded(deps: RouteEventDeps, event: NotifyEvent, topic: string, now: Date): Promise<'expanded'> {
  const members = await expandTopic(deps, event, topic, now);
  deps.onExpanded?.(members);
  return 'expanded';
}

async function route(deps: RouteEventDeps, outbox: Outbox, event: NotifyEvent, { ruleId, outcome }: ReturnType<RuleSet['evaluate']>, now: Date, seenBefore: boolean): Promise<'routed'> {
  const typeProblem = unknownType(event, ruleId);
  if (typeProblem) {
    deps.onDecided?.(event, ruleId, 'dead_lettered');
    deadLettered(typeProblem.reason, typeProblem.message);
  }
  const plan = planDelivery(event, outcome, now);
  deps.onDecided?.(event, ruleId, plan.kind === 'unroutable' ? 'dead_lettered' : plan.kind);
  if (plan.kind === 'unroutable') deadLettered('no_recipient', plan.reason);
  if (plan.kind !== 'deliver') {
    outbox.add(topics.deliveryStatus, ...statusesOf(event, plan, now, ruleId));
    return 'routed';
  }
  const fates = await decideDelivery({ ruleId, outcome, lane: plan.lane, notifications: plan.notifications, category: event.category, isOnline: deps.isOnline, preferencesOf: (userIds) => preferencesFor(deps, userIds), ...(deps.sendTimesOf ? { sendTimesOf: deps.sendTimesOf } : {}), now });
  const capped: Notification[] = [];
  const overBudget: Shed[] = [];
  for (const lane of new Set(fates.flatMap((f) => (f.kind === 'suppressed' ? [] : [f.lane])))) {
    const onLane = fates.filter((f) => f.kind !== 'suppressed' && f.lane === lane);
    await batch(deps, outbox, event, onLane.filter((f) => f.kind === 'digest'), ruleId, now);
    await hold(deps, outbox, event, onLane.filter((f) => f.kind === 'held_quiet_hours'), now);
    const sending = onLane.filter((f) => f.kind === 'send');
    let notifications = sending.map((f) => f.notification);
    const cap = sending[0]?.rateCap;
    if (cap) {
      const slots = deps.rateSlots ?? new RateSlots(deps.idempotency);
      const granted = await slots.take(notifications.map((n) => ({ ruleKey: digestKeyOf(ruleId), userId: n.userId, holder: n.notificationId, cap, mayHoldOne: seenBefore })), now);
      capped.push(...notifications.filter((_, i) => !granted[i]));
      notifications = notifications.filter((_, i) => granted[i]);
    }
    // Pushes a budgeted rule sends take a unit of each user's daily budget; over it, lower priorities are shed.
    if (outcome.budget && deps.budgets && lane !== 'inapp') {
      const spent = await spendBudget(deps.budgets, outcome.budget, notifications, (userIds) => preferencesFor(deps, userIds), now, seenBefore);
      overBudget.push(...spent.shed);
      notifications = spent.pass;
    }
    // Their push fallbacks carry the budget: the gateway counts (or sheds) each when it is due.
    if (outcome.budget && deps.budgets && lane === 'inapp') notifications = await budgetFallbacks(outcome.budget, notifications, (userIds) => preferencesFor(deps, userIds), ruleId);
    if (notifications.length === 0) continue;
    outbox.add(laneTopics[lane], ...notifications);
    if (lane === 'inapp') await startEscalations(deps, outcome.escalation, notifications, ruleId, now);
    outbox.add(topics.deliveryStatus, ...notifications.map((n) => routedStatus(n, lane, now, ruleId)));
  }
  if (capped.length > 0) {
    const statuses = capped.map((n): DeliveryStatus => ({ version: 1, eventId: n.eventId, eventType: n.type, notificationId: n.notificationId, userId: n.userId, status: 'rate_capped', channel: 'push', reason: `at most ${outcome.rateCap!.max} pushes per ${outcome.rateCap!.per} for rule ${ruleId}`, service: 'router', at: now.toISOString() }));
    outbox.add(topics.deliveryStatus, ...statuses);
  }
  if (overBudget.length > 0) {
    const inInbox = new Set(fates.flatMap((f) => (f.kind === 'send' && f.lane === 'inapp' ? [f.notification.notificationId] : [])));
    await shedOverBudget(deps, outbox, event, outcome.budget!, overBudget, inInbox, ruleId, itemOf, now);
  }
  const suppressed = fates.filter((f) => f.kind === 'suppressed');
  if (suppressed.length > 0) {
    const statuses = suppressed.map(({ notification: n, reason }): DeliveryStatus => ({ version: 1, eventId: n.eventId, eventType: n.type, notificationId: n.notificationId, userId: n.userId, status: 'suppressed', reason, service: 'router', at: now.toISOString(), ...(ruleId ? { detail: { ruleId } } : {}) }));
    outbox.add(topics.deliveryStatus, ...statuses);
  }
  return 'routed';
}

const FAN_OUT_PAGE = 1000;

/**
 * A topic event becomes one event per member, written back to the same intake lane keyed by the
 * member: each then travels its user's partition in order, exactly like a direct event. Expanding
 * again after a crash writes the same events, which deduplication absorbs.
 */
async function expandTopic(deps: RouteEventDeps, event: NotifyEvent, topic: string, now: Date): Promise<number> {
  const intake = deps.lane === 'bulk' ? topics.notifyEventsBulk : topics.notifyEvents;
  let after: string | undefined;
  let count = 0;
  for (;;) {
    const members = await deps.topics.members(topic, { limit: FAN_OUT_PAGE, ...(after === undefined ? {} : { after }) });
    if (members.length === 0) break;
    await deps.bus.publish(intake, members.map((userId) => ({ value: { ...event, to: { userId } } })), { lane: deps.lane });
    count += members.length;
    after = members[members.length - 1];
    if (members.length < FAN_OUT_PAGE) break;
  }
  await deps.bus.publish(topics.deliveryStatus, [{ value: { version: 1, eventId: event.id, eventType: event.type, status: 'accepted', reason: `topic ${topic} expanded to ${count} members`, service: 'router', at: now.toISOString(), detail: { topic, members: count } } }], { lane: deps.lane });
  return count;
}

/** An event that no rule matches and that names no priority has no lane: HTTP intake refuses it, the router dead-letters it. */
export function unknownType(event: NotifyEvent, ruleId: string | null): { reason: 'unknown_type'; message: string } | null {
  if (ruleId !== null || event.priority !== undefined) return null;
  return { reason: 'unknown_type', message: `no rule matches type "${event.type}" and the event has no priority: add a rule for it or send a priority` };
}

/** Hands the event to the dead-letter topic (via the bus, which also puts it on the status trail). */
function deadLettered(reason: 'unknown_type' | 'no_recipient', message: string): never {
  throw new NonRetriableError(reason, message);
}

/** The preferences of the given users, looked up once each. */
async function preferencesFor(deps: RouteEventDeps, userIds: string[]): Promise<Map<string, Preferences | null>> {
  const unique = [...new Set(userIds)];
  return new Map(await Promise.all(unique.map(async (userId) => [userId, await deps.preferences.get(userId)] as const)));
}

export { digestKeyOf } from './decide-delivery';

const itemOf = (event: NotifyEvent, n: Notification, now: Date) => ({ eventId: event.id, type: event.type, at: now, data: n.content.data, ...(n.content.title ? { title: n.content.title } : {}), ...(n.content.body ? { body: n.content.body } : {}) });

/** Pushes that arrive in a user's quiet hours wait in a digest of their own, sent when the quiet hours end. */
async function hold(deps: RouteEventDeps, outbox: Outbox, event: NotifyEvent, held: Array<Extract<RecipientFate, { kind: 'held_quiet_hours' }>>, now: Date): Promise<void> {
  if (held.length === 0) return;
  const statuses: DeliveryStatus[] = [];
  for (const { notification: n, until } of held) {
    await deps.digests.add({ userId: n.userId, digestKey: QUIET_HOURS_DIGEST, item: itemOf(event, n, now), flushAt: until, maxItems: 1000 });
    statuses.push({ version: 1, eventId: event.id, eventType: event.type, notificationId: n.notificationId, userId: n.userId, status: 'held_quiet_hours', channel: 'push', reason: `quiet hours until ${until.toISOString()}`, service: 'router', at: now.toISOString() });
  }
  outbox.add(topics.deliveryStatus, ...statuses);
}

/** Adds each recipient's notification to their open digest, durably, and records it as batched. */
async function batch(deps: RouteEventDeps, outbox: Outbox, event: NotifyEvent, digests: Array<Extract<RecipientFate, { kind: 'digest' }>>, ruleId: string | null, now: Date): Promise<void> {
  if (digests.length === 0) return;
  const statuses: DeliveryStatus[] = [];
  for (const { notification: n, digestKey, flushAt, maxItems, sendTime } of digests) {
    const { bucket, full } = await deps.digests.add({ userId: n.userId, digestKey, item: itemOf(event, n, now), flushAt, maxItems });
    if (full) deps.onDigestFull?.(bucket.bucketId);
    statuses.push({ version: 1, eventId: event.id, eventType: event.type, notificationId: n.notificationId, userId: n.userId, status: 'batched', channel: 'push', service: 'router', at: now.toISOString(), detail: { digestKey: bucket.digestKey, sendAt: bucket.flushAt.toISOString(), ...(ruleId ? { ruleId } : {}), ...(sendTime ? { sendTime: sendTimeDetail(sendTime) } : {}) } });
  }
  outbox.add(topics.deliveryStatus, ...statuses);
}

/** On a `batched` step: when the user's best hour was asked for, what was chosen and on what grounds. */
const sendTimeDetail = ({ sendAt, source, hour, confidence, samples }: NonNullable<Extract<RecipientFate, { kind: 'digest' }>['sendTime']>) => ({ sendAt, source, hour, confidence: Math.round(confidence * 100) / 100, samples });
