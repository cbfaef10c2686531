import type { Messaging, SendResponse } from 'firebase-admin/messaging';
import { listenForRetryAfter, type HeardRetryAfter } from './fcm-retry-after';
import { ProjectThrottle } from './project-throttle';
import type { SendOutcome } from './push-sender';

/**
 * With no Retry-After to read, the first pause after a 429 is a minute: Firebase's error reference
 * asks for "exponential backoff with a minimum initial delay of 1 minute" on QUOTA_EXCEEDED, and the
 * project's quota bucket refills once a minute (docs/push.md, "Retry-After").
 */
export const FCM_THROTTLE_FLOOR_MS = 60_000;
export const FCM_THROTTLE_MAX_MS = 600_000;

/** firebase-admin's code for FCM's 429 QUOTA_EXCEEDED (and RESOURCE_EXHAUSTED). */
const QUOTA_CODE = 'messaging/message-rate-exceeded';

type Answer = SendResponse | { code?: string } | undefined;

/**
 * The FCM send path's gate for its project: every `sendEach` call waits here while the project is
 * paused, and its answers decide the pause (a 429 starts or lengthens it, a success ends the
 * streak). The retry outcomes it hands back carry `retryAfterMs`: for a 429, what is left of the
 * project's pause; for a 5xx, the `retry-after` FCM sent with it, when firebase-admin let it be read.
 * @example
 * const gate = new FcmQuotaGate(messaging);
 * const sentAt = await gate.ready();
 * outcomes = gate.settle(sentAt, tokens, responses, outcomes);
 */
export class FcmQuotaGate {
  readonly project: string;
  /** Whether FCM's retry-after headers can be read through this firebase-admin. */
  readonly readsRetryAfter: boolean;
  private readonly heard = new Map<string, HeardRetryAfter>();

  constructor(
    messaging: Messaging,
    readonly throttle: ProjectThrottle = new ProjectThrottle({ floorMs: FCM_THROTTLE_FLOOR_MS, maxMs: FCM_THROTTLE_MAX_MS }),
  ) {
    this.project = messaging.app.options.projectId ?? messaging.app.name;
    this.readsRetryAfter = listenForRetryAfter(messaging, (h) => {
      if (h.token === undefined) return;
      // Each is taken when its call settles; only sends made around this gate (messaging used directly) leave any behind.
      if (this.heard.size >= 10_000) this.heard.clear();
      this.heard.set(h.token, h);
    });
  }

  /** Resolves when the project may send; answers the time the send leaves, for `settle`. */
  async ready(): Promise<number> {
    await this.throttle.ready(this.project);
    return Date.now();
  }

  /** One `sendEach` call's answers (`tokens`, `answers` and `outcomes` index alike): updates the pause, and answers the outcomes with their waits. */
  settle(sentAt: number, tokens: readonly string[], answers: readonly Answer[], outcomes: readonly SendOutcome[]): SendOutcome[] {
    const heard = tokens.map((token) => this.take(token));
    const throttled = answers.flatMap((a, i) => (codeOf(a) === QUOTA_CODE ? [i] : []));
    if (throttled.length > 0) {
      // One burst, one pause: the longest retry-after any of its 429s carried, or the backoff.
      const said = throttled.map((i) => heard[i]?.retryAfterMs).filter((ms): ms is number => ms !== undefined);
      this.throttle.throttled(this.project, sentAt, said.length > 0 ? Math.max(...said) : undefined);
    } else if (answers.some((a) => a !== undefined && 'success' in a && a.success)) {
      this.throttle.succeeded(this.project, sentAt);
    }
    const pausedMs = this.throttle.remainingMs(this.project);
    return outcomes.map((outcome, i) => {
      if (outcome.status !== 'retry') return outcome;
      const waitMs = codeOf(answers[i]) === QUOTA_CODE ? pausedMs : heard[i]?.retryAfterMs;
      return waitMs === undefined || waitMs <= 0 ? outcome : { ...outcome, retryAfterMs: waitMs };
    });
  }

  private take(token: string): HeardRetryAfter | undefined {
    const h = this.heard.get(token);
    this.heard.delete(token);
    return h;
  }
}

function codeOf(answer: Answer): string | undefined {
  if (!answer) return undefined;
  if ('success' in answer) return answer.success ? undefined : answer.error?.code;
  return answer.code;
}
