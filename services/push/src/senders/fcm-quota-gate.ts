import type { Messaging, SendResponse } from 'firebase-admin/messaging';
import { ProjectThrottle } from './project-throttle';
import { retryAfterMs } from './retry-after';
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
 * project's pause; for a 5xx, the `retry-after` FCM sent with it.
 * @example
 * const gate = new FcmQuotaGate(messaging);
 * const sentAt = await gate.ready();
 * outcomes = gate.settle(sentAt, tokens, responses, outcomes);
 */
export class FcmQuotaGate {
  readonly project: string;

  constructor(
    messaging: Messaging,
    readonly throttle: ProjectThrottle = new ProjectThrottle({ floorMs: FCM_THROTTLE_FLOOR_MS, maxMs: FCM_THROTTLE_MAX_MS }),
  ) {
    this.project = messaging.app.options.projectId ?? messaging.app.name;
  }

  /** Resolves when the project may send; answers the time the send leaves, for `settle`. */
  async ready(): Promise<number> {
    await this.throttle.ready(this.project);
    return Date.now();
  }

  /** One `sendEach` call's answers (`answers` and `outcomes` index alike): updates the pause, and answers the outcomes with their waits. */
  settle(sentAt: number, answers: readonly Answer[], outcomes: readonly SendOutcome[]): SendOutcome[] {
    const said = answers.map((answer) => retryAfterOf(answer));
    const throttled = answers.flatMap((a, i) => (codeOf(a) === QUOTA_CODE ? [i] : []));
    if (throttled.length > 0) {
      // One burst, one pause: the longest retry-after any of its 429s carried, or the backoff.
      const waits = throttled.map((i) => said[i]).filter((ms): ms is number => ms !== undefined);
      this.throttle.throttled(this.project, sentAt, waits.length > 0 ? Math.max(...waits) : undefined);
    } else if (answers.some((a) => a !== undefined && 'success' in a && a.success)) {
      this.throttle.succeeded(this.project, sentAt);
    }
    const pausedMs = this.throttle.remainingMs(this.project);
    return outcomes.map((outcome, i) => {
      if (outcome.status !== 'retry') return outcome;
      const waitMs = codeOf(answers[i]) === QUOTA_CODE ? pausedMs : said[i];
      return waitMs === undefined || waitMs <= 0 ? outcome : { ...outcome, retryAfterMs: waitMs };
    });
  }

}

/**
 * The `retry-after` FCM sent with an error answer. firebase-admin 14 keeps the HTTP response on its
 * errors (`httpResponse`), for `send` and for each answer of `sendEach` alike.
 */
function retryAfterOf(answer: Answer): number | undefined {
  const error = answer && 'success' in answer ? answer.error : answer;
  const headers = (error as { httpResponse?: { headers?: Record<string, string | string[] | number | undefined> } } | undefined)?.httpResponse?.headers;
  return retryAfterMs(headers?.['retry-after']);
}

function codeOf(answer: Answer): string | undefined {
  if (!answer) return undefined;
  if ('success' in answer) return answer.success ? undefined : answer.error?.code;
  return answer.code;
}
