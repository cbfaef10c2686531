/**
 * What the chaos suite sent and what reached the users, and the verdict per fault. Every event has
 * one recipient, so an event is one notification; it counts as delivered once it reached the user's
 * socket client or the user's phone (APNs), whichever came first.
 */
export interface SentEvent {
  eventId: string;
  userId: string;
  /** Which fault's phase it was sent in. */
  phase: string;
  /** When Kafka acknowledged it. */
  sentAt: number;
}

export interface PhaseTally {
  phase: string;
  sent: number;
  delivered: number;
  /** Sent and never delivered, neither in-app nor by push. */
  lost: number;
  /** Notifications a client's `notification` handler saw more than once, or a phone got more than once. */
  duplicatesInApp: number;
  duplicatesPushed: number;
  /** Delivered in-app and pushed too (a fallback that fired: expected when a gateway dies, not a duplicate). */
  alsoPushed: number;
  /** The slowest event written to delivered, ms. */
  worstLatencyMs: number | null;
  /** From the fault until the last delivery that took longer than the lateness threshold: when the product was back to normal. */
  recoveredAfterMs: number | null;
}

/** Later than this, a delivery counts as held up by the fault. */
export const LATE_AFTER_MS = 2000;

export class Ledger {
  private readonly sent = new Map<string, SentEvent>();
  /** eventId → arrival times at the user's socket client. */
  private readonly inApp = new Map<string, number[]>();
  /** eventId → arrival times at the user's phone. */
  private readonly pushed = new Map<string, number[]>();

  recordSent(event: SentEvent): void {
    this.sent.set(event.eventId, event);
  }

  recordInApp(eventId: string, at: number): void {
    push(this.inApp, eventId, at);
  }

  recordPushed(eventId: string, at: number): void {
    push(this.pushed, eventId, at);
  }

  /** Events of `phase` not delivered yet. */
  undelivered(phase: string): SentEvent[] {
    return [...this.sent.values()].filter((e) => e.phase === phase && !this.inApp.has(e.eventId) && !this.pushed.has(e.eventId));
  }

  /** Events of `phase` that reached the user's client and were pushed too. */
  alsoPushed(phase: string): SentEvent[] {
    return this.eventsOf(phase).filter((e) => this.inApp.has(e.eventId) && this.pushed.has(e.eventId));
  }

  eventsOf(phase: string): SentEvent[] {
    return [...this.sent.values()].filter((e) => e.phase === phase);
  }

  /** The verdict on one phase; `faultAt` is when its fault began (null for the baseline). */
  tally(phase: string, faultAt: number | null): PhaseTally {
    const events = this.eventsOf(phase);
    let delivered = 0;
    let duplicatesInApp = 0;
    let duplicatesPushed = 0;
    let alsoPushed = 0;
    let worst: number | null = null;
    let lastLateDelivery: number | null = null;
    for (const event of events) {
      const inApp = this.inApp.get(event.eventId) ?? [];
      const pushed = this.pushed.get(event.eventId) ?? [];
      if (inApp.length > 1) duplicatesInApp++;
      if (pushed.length > 1) duplicatesPushed++;
      if (inApp.length > 0 && pushed.length > 0) alsoPushed++;
      const first = Math.min(...inApp, ...pushed);
      if (!Number.isFinite(first)) continue;
      delivered++;
      const latency = first - event.sentAt;
      worst = worst === null ? latency : Math.max(worst, latency);
      if (latency > LATE_AFTER_MS) lastLateDelivery = Math.max(lastLateDelivery ?? first, first);
    }
    return {
      phase,
      sent: events.length,
      delivered,
      lost: events.length - delivered,
      duplicatesInApp,
      duplicatesPushed,
      alsoPushed,
      worstLatencyMs: worst,
      recoveredAfterMs: faultAt === null ? null : lastLateDelivery === null ? 0 : Math.max(0, lastLateDelivery - faultAt),
    };
  }
}

function push(map: Map<string, number[]>, key: string, at: number): void {
  const list = map.get(key);
  if (list) list.push(at);
  else map.set(key, [at]);
}
