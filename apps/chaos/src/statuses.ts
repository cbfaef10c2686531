import { adminHeaders, type Deployment } from './deployment';
import type { SentEvent } from './ledger';

/** A trail that ends in one of these has nothing left to happen. */
const FINAL = new Set(['delivered', 'seen', 'read', 'archived', 'suppressed', 'expired', 'dead_lettered', 'duplicate', 'rate_capped', 'failed']);
const PUSH_CHANNELS = new Set(['push', 'apns', 'fcm']);

interface TrailEntry {
  status: string;
  channel?: string;
}

/** Final: acknowledged by a client, sent to a phone, or settled otherwise (suppressed, expired, failed…). */
export function isFinal(history: readonly TrailEntry[]): boolean {
  return history.some((h) => FINAL.has(h.status) || (h.status === 'sent' && h.channel !== undefined && PUSH_CHANNELS.has(h.channel)));
}

/** The events whose status trail (as ops read it, through the router's API) has not reached a final status. */
export async function unfinalEvents(deployment: Deployment, events: readonly SentEvent[], concurrency = 8): Promise<SentEvent[]> {
  const unfinal: SentEvent[] = [];
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const event = events[next++]!;
      const response = await fetch(`${deployment.urls.router}/v1/notifications/${event.eventId}:${event.userId}/history`, { headers: adminHeaders }).catch(() => undefined);
      const history = response?.ok ? ((await response.json()) as { history: TrailEntry[] }).history : [];
      if (!isFinal(history)) unfinal.push(event);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return unfinal;
}
