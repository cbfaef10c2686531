import type { Bus } from '@notify/bus';
import type { InboxStateName } from '@notify/contracts';
import { stateRank, type InboxItem, type InboxRepository } from '@notify/store';
import type { FallbackTimers } from '../fallback/fallback-timers';
import type { UserFanOut } from '../relay/user-fan-out';
import { publishStatus, statusOf } from './deliver-notification';

export interface ChangeStateDeps {
  bus: Bus;
  inbox: InboxRepository;
  fanOut: UserFanOut;
  fallbacks: FallbackTimers;
  gatewayId: string;
}

export type ClientState = Exclude<InboxStateName, 'sent'>;

export const MAX_IDS_PER_REQUEST = 500;

/**
 * A client moved notifications forward (delivered, seen, read, archived), over the socket or the
 * inbox API. Each real change is a delivery.status event; the user's other devices hear about it
 * (read on the phone shows read on the laptop), and the unread count is pushed when it changed.
 * Ids the user does not own are ignored, so a client can never touch another user's inbox.
 */
export async function changeState(deps: ChangeStateDeps, userId: string, notificationIds: readonly string[], state: ClientState, origin?: string): Promise<{ updated: number }> {
  const changed: InboxItem[] = [];
  for (const notificationId of new Set(notificationIds)) {
    const before = await deps.inbox.get(userId, notificationId);
    if (!before || stateRank(before.state) >= stateRank(state)) continue;
    const after = await deps.inbox.setState(userId, notificationId, state);
    if (after) changed.push(after);
  }
  await announce(deps, userId, changed, state, origin);
  return { updated: changed.length };
}

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
  await deps.inbox.markAllRead(userId);
  await announce(deps, userId, unread, 'read', origin);
  return { updated: unread.length };
}

async function announce(deps: ChangeStateDeps, userId: string, changed: InboxItem[], state: ClientState, origin?: string): Promise<void> {
  if (changed.length === 0) return;
  for (const item of changed) deps.fallbacks.cancel(item.notificationId);
  const at = new Date();
  await publishStatus(deps.bus, ...changed.map((item) => statusOf(item, state, at, deps.gatewayId)));
  // "Delivered" on one device says nothing the others need to show.
  if (state === 'delivered') return;
  const countChanged = state === 'read' || state === 'archived';
  const unread = countChanged ? await deps.inbox.unreadCount(userId) : undefined;
  await deps.fanOut.send(
    { userId, states: changed.map((item) => ({ notificationId: item.notificationId, state })), ...(unread === undefined ? {} : { unread }) },
    origin,
  );
}
