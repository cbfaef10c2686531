import type { Bus, Subscription } from '@notify/bus';
import { topics, type NotifyEvent } from '@notify/contracts';
import type { Store } from '@notify/store';
import type { PresenceView } from '../presence/presence-view';
import type { RulesCache } from '../rules/rules-cache';
import { routeEvent } from '../usecases/route-event';

/**
 * One consumer group per intake lane, so the bulk lane's backlog never holds up the default lane.
 * Malformed events never reach the use case: the bus dead-letters them with the reason. Within a
 * partition, different recipients are routed side by side (one recipient's events stay in order). The
 * bulk lane is a background consumer: it takes fewer at once and starts them one per pass of the
 * event loop, so a marketing flood uses only the CPU urgent events leave.
 */
export async function consumeIntake(
  bus: Bus,
  rules: Pick<RulesCache, 'current'>,
  store: Pick<Store, 'idempotency' | 'digests' | 'preferences' | 'topics'>,
  presence: Pick<PresenceView, 'isOnline'>,
  onDigestFull?: (bucketId: string) => void,
): Promise<Subscription[]> {
  const isOnline = (userId: string) => presence.isOnline(userId);
  const handlerFor = (lane: 'default' | 'bulk') => async (message: { value: NotifyEvent }) => {
    await routeEvent({ bus, lane, rules: rules.current, idempotency: store.idempotency, digests: store.digests, preferences: store.preferences, topics: store.topics, isOnline, ...(onDigestFull ? { onDigestFull } : {}) }, message.value);
  };
  return Promise.all([
    bus.subscribe(topics.notifyEvents, { groupId: 'router', partitionsConcurrently: 8, keysConcurrently: 32 }, handlerFor('default')),
    bus.subscribe(topics.notifyEventsBulk, { groupId: 'router-bulk', partitionsConcurrently: 8, keysConcurrently: 8, background: true }, handlerFor('bulk')),
  ]);
}
