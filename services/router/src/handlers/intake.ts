import type { Bus, BusMessage, Subscription } from '@notify/bus';
import { topics, type DeadLetter, type NotifyEvent } from '@notify/contracts';
import type { Store } from '@notify/store';
import type { PresenceView } from '../presence/presence-view';
import type { RulesCache } from '../rules/rules-cache';
import { recordDeadLetter } from '../status-trail/dead-letters';
import { RateSlots } from '../usecases/rate-cap';
import { routeEvents, type PreferencesSource, type RouteEventDeps } from '../usecases/route-event';

/**
 * One consumer group per intake lane, so the bulk lane's backlog never holds up the default lane.
 * Malformed events never reach the use case: the bus dead-letters them with the reason, on first
 * sight, and the status trail says so. Each fetch of
 * a partition is routed as one batch (one claim write, one write per output topic); within it,
 * different recipients are routed side by side and one recipient's events stay in order. The bulk
 * lane is a background consumer with smaller batches, so a marketing flood uses only the CPU urgent
 * events leave.
 */
export async function consumeIntake(
  bus: Bus,
  rules: Pick<RulesCache, 'current'>,
  store: Pick<Store, 'idempotency' | 'digests' | 'topics'> & Partial<Pick<Store, 'budgets'>> & Partial<Pick<Store, 'escalations'>>,
  presence: Pick<PresenceView, 'isOnline'>,
  preferences: PreferencesSource,
  options: { onDigestFull?: (bucketId: string) => void; dedupWindowMs?: number; rateSlots?: RateSlots; onDecided?: RouteEventDeps['onDecided']; sendTimesOf?: RouteEventDeps['sendTimesOf'] } = {},
): Promise<Subscription[]> {
  const isOnline = (userId: string) => presence.isOnline(userId);
  const rateSlots = options.rateSlots ?? new RateSlots(store.idempotency);
  const handlerFor = (lane: 'default' | 'bulk') => async (batch: ReadonlyArray<BusMessage<NotifyEvent>>) => {
    await routeEvents(
      // A slice is of one partition: the one its escalation ladders are kept under.
      { bus, lane, rules: rules.current, idempotency: store.idempotency, digests: store.digests, preferences, topics: store.topics, isOnline, ...options, rateSlots, ...(store.budgets ? { budgets: store.budgets } : {}), ...(store.escalations ? { escalations: store.escalations, partition: batch[0]?.partition ?? 0 } : {}) },
      batch.map((m) => ({ event: m.value, source: `${m.topic}/${m.partition}/${m.offset}` })),
    );
  };
  // Every event set aside is on its status trail too, whatever set it aside.
  const onDeadLetter = (letter: DeadLetter) => recordDeadLetter(bus, letter);
  return Promise.all([
    bus.subscribeBatch(topics.notifyEvents, { groupId: 'router', partitionsConcurrently: 8, maxBatchSize: 500, onDeadLetter }, handlerFor('default')),
    bus.subscribeBatch(topics.notifyEventsBulk, { groupId: 'router-bulk', partitionsConcurrently: 8, maxBatchSize: 100, background: true, onDeadLetter }, handlerFor('bulk')),
  ]);
}
