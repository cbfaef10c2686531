import type { Bus } from '@notify/bus';
import type { InboxStateName } from '@notify/contracts';
import { stateRank, type InboxItem, type InboxRepository } from '@notify/store';
import type { HandedEvent } from '../connections/client-notification';
import type { UserFanOut } from '../relay/user-fan-out';
import { publishStatus, statusOf } from './deliver-notification';

export interface ChangeStateDeps {
  bus: Bus;
  inbox: InboxRepository;
  fanOut: UserFanOut;
  gatewayId: string;
  /** Where state marks are written; the inbox itself unless writes are merged across requests. */
  recordStates?: InboxRepository['recordStates'];
}

export type ClientState = Exclude<InboxStateName, 'sent'>;

export const MAX_IDS_PER_REQUEST = 500;

/**
 * A client moved notifications forward (delivered, seen, read, archived), over the socket or the
 * inbox API: one write of state marks for the whole request, then one write of status events for
 * those it moved; the user's other devices hear about it (read on the phone shows read on the
 * laptop), with the change to the unread count. Ids the user does not own are ignored, so a client
 * can never touch another user's inbox: `handed` are ids this gateway handed the user's connection
 * itself (with their events), the others are checked with one inbox read.
 */
export async function changeState(
  deps: ChangeStateDeps,
  userId: string,
  notificationIds: readonly string[],
  state: ClientState,
  origin?: string,
  handed: ReadonlyMap<string, HandedEvent> = new Map(),
): Promise<{ updated: number }> {
  const eventOf = new Map<string, HandedEvent>();
  const unknown: string[] = [];
  for (const id of new Set(notificationIds)) {
    const event = handed.get(id);
    if (event === undefined) unknown.push(id);
    else eventOf.set(id, event);
  }
  if (unknown.length > 0) {
    // A state the item already has (or is past) is no change: no mark, no status.
    for (const item of await deps.inbox.getMany(userId, unknown)) if (stateRank(item.state) < stateRank(state)) eventOf.set(item.notificationId, { eventId: item.eventId, eventType: item.type });
  }
  if (eventOf.size === 0) return { updated: 0 };
  const { moved, cleared } = await recordStatesOf(deps)(userId, [...eventOf.keys()], state);
  await announce(deps, userId, moved.map((notificationId) => ({ notificationId, ...eventOf.get(notificationId)! })), state, cleared, origin);
  return { updated: moved.length };
}

const recordStatesOf = (deps: ChangeStateDeps): InboxRepository['recordStates'] => deps.recordStates ?? ((userId, ids, state) => deps.inbox.recordStates(userId, ids, state));

/** "Mark all read": every unread notification of the user, each with its own status event. */
export async function markAllRead(deps: ChangeStateDeps, userId: string, origin?: string): Promise<{ updated: number }> {
  const unread: InboxItem[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await deps.inbox.page(userId, { limit: MAX_IDS_PER_REQUEST, unreadOnly: true, ...(before === undefined ? {} : { before }) });
    unread.push(...page.items);
    if (page.nextCursor === null) break;
    before = page.nextCursor;
  }
  if (unread.length === 0) return { updated: 0 };
  const { moved, cleared } = await recordStatesOf(deps)(userId, unread.map((i) => i.notificationId), 'read');
  const eventOf = new Map(unread.map((i) => [i.notificationId, { eventId: i.eventId, eventType: i.type }]));
  await announce(deps, userId, moved.map((notificationId) => ({ notificationId, ...eventOf.get(notificationId)! })), 'read', cleared, origin);
  return { updated: moved.length };
}

async function announce(deps: ChangeStateDeps, userId: string, moved: Array<{ notificationId: string } & HandedEvent>, state: ClientState, cleared: number, origin?: string): Promise<void> {
  if (moved.length === 0) return;
  const at = new Date();
  await publishStatus(deps.bus, ...moved.map((n) => statusOf({ notificationId: n.notificationId, eventId: n.eventId, type: n.eventType, userId }, state, at, deps.gatewayId)));
  // "Delivered" on one device says nothing the others need to show.
  if (state === 'delivered') return;
  for (let from = 0; from < moved.length; from += MAX_IDS_PER_REQUEST) {
    const states = moved.slice(from, from + MAX_IDS_PER_REQUEST).map(({ notificationId }) => ({ notificationId, state }));
    await deps.fanOut.send({ userId, states, ...(from === 0 && cleared > 0 ? { unreadDelta: -cleared } : {}) }, origin);
  }
}
