import { adminHeaders, type Deployment } from './deployment';
import type { SentEvent } from './ledger';

/** A trail that ends in one of these has nothing left to happen. */
const FINAL = new Set(['delivered', 'seen', 'read', 'archived', 'suppressed', 'expired', 'dead_lettered', 'duplicate', 'rate_capped', 'failed']);
const PUSH_CHANNELS = new Set(['push', 'apns', 'fcm']);

interface TrailEntry {
  status: string;
  channel?: string;
  service?: string;
  reason?: string;
}

/** Final: acknowledged by a client, sent to a phone, or settled otherwise (suppressed, expired, failed…). */
export function isFinal(history: readonly TrailEntry[]): boolean {
  return history.some((h) => FINAL.has(h.status) || (h.status === 'sent' && h.channel !== undefined && PUSH_CHANNELS.has(h.channel)));
}

/** A notification's status trail as ops read it, through the router's API. */
async function trailOf(deployment: Deployment, event: SentEvent): Promise<TrailEntry[]> {
  const response = await historyAnswer(deployment, event).catch(() => undefined);
  return response?.ok ? ((await response.json()) as { history: TrailEntry[] }).history : [];
}

/** The router's answer for a notification's history, as it came (to say why a trail is missing). */
export const historyAnswer = (deployment: Deployment, event: SentEvent): Promise<Response> =>
  fetch(`${deployment.urls.router}/v1/notifications/${event.eventId}:${event.userId}/history`, { headers: adminHeaders });

/** Runs `each` over `items`, `concurrency` at a time. */
async function forEachLimited<T>(items: readonly T[], concurrency: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Why notifications shown in-app were pushed as well, from their trails: the router took the user
 * for offline (and pushed at once), or the gateway's fallback found no acknowledgement in time.
 */
export async function whyAlsoPushed(deployment: Deployment, events: readonly SentEvent[]): Promise<Record<string, number>> {
  const reasons: Record<string, number> = {};
  await forEachLimited(events, 8, async (event) => {
    const history = await trailOf(deployment, event);
    const routedToPush = history.find((h) => h.status === 'routed' && h.channel === 'push');
    const reason = !routedToPush ? 'unknown' : routedToPush.service === 'router' ? 'router took the user for offline' : `${routedToPush.service}: ${routedToPush.reason ?? 'no reason'}`;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  });
  return reasons;
}

/** The events whose status trail (as ops read it, through the router's API) has not reached a final status. */
export async function unfinalEvents(deployment: Deployment, events: readonly SentEvent[]): Promise<SentEvent[]> {
  const unfinal: SentEvent[] = [];
  await forEachLimited(events, 8, async (event) => {
    if (!isFinal(await trailOf(deployment, event))) unfinal.push(event);
  });
  return unfinal;
}
