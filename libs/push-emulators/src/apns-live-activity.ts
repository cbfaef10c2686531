import type { ApnsReason } from './apns-reasons';

/** The topic suffix and push type APNs requires together for a Live Activity push. */
export const LIVE_ACTIVITY_TOPIC_SUFFIX = '.push-type.liveactivity';
export const LIVE_ACTIVITY_PUSH_TYPE = 'liveactivity';

const EVENTS = new Set(['start', 'update', 'end']);

/** Why a request is refused: Apple's reason, and in words what was wrong (recorded for tests). */
export interface LiveActivityProblem {
  reason: ApnsReason;
  problem: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSeconds = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * The headers of a Live Activity push, as Apple documents them ("Sending notification requests to
 * APNs", "Starting and updating Live Activities with ActivityKit push notifications"): push type
 * `liveactivity` only on the app's topic with `.push-type.liveactivity` appended, and the other
 * way round; priority 5 or 10. Undefined when they hold or the request is no Live Activity push.
 */
export function liveActivityHeaderProblem(headers: { topic?: string | undefined; pushType?: string | undefined; priority?: string | undefined }): LiveActivityProblem | undefined {
  const onActivityTopic = headers.topic?.endsWith(LIVE_ACTIVITY_TOPIC_SUFFIX) === true;
  const activityType = headers.pushType === LIVE_ACTIVITY_PUSH_TYPE;
  if (activityType && !onActivityTopic) return { reason: 'BadTopic', problem: `push type liveactivity needs the topic <bundle id>${LIVE_ACTIVITY_TOPIC_SUFFIX}, got ${headers.topic}` };
  if (onActivityTopic && !activityType) return { reason: 'InvalidPushType', problem: `the topic ${headers.topic} takes push type liveactivity only, got ${headers.pushType ?? 'none'}` };
  if (activityType && headers.priority !== undefined && headers.priority !== '5' && headers.priority !== '10') return { reason: 'BadPriority', problem: `a Live Activity push has priority 5 or 10, got ${headers.priority}` };
  return undefined;
}

/**
 * The `aps` of a Live Activity push as ActivityKit needs it: `timestamp` (seconds), `event` (start,
 * update or end), `content-state` for start and update, `attributes-type` and `attributes` for start,
 * `stale-date` and `dismissal-date` in seconds when present.
 *
 * Apple lists no reason for a Live Activity payload the device cannot use (APNs takes it and the
 * device drops it, so a mistake goes unseen); the emulator refuses it with PayloadEmpty, the nearest
 * reason on Apple's list, and says what was wrong in `problem`.
 */
export function liveActivityPayloadProblem(payload: unknown): LiveActivityProblem | undefined {
  const refuse = (problem: string): LiveActivityProblem => ({ reason: 'PayloadEmpty', problem });
  const aps = isObject(payload) ? payload['aps'] : undefined;
  if (!isObject(aps)) return refuse('a Live Activity push needs an aps object');
  if (!isSeconds(aps['timestamp'])) return refuse('aps.timestamp must be UNIX seconds');
  const event = aps['event'];
  if (typeof event !== 'string' || !EVENTS.has(event)) return refuse(`aps.event must be start, update or end, got ${JSON.stringify(event)}`);
  if (event !== 'end' && !isObject(aps['content-state'])) return refuse(`aps.content-state is required for ${event}`);
  if (aps['content-state'] !== undefined && !isObject(aps['content-state'])) return refuse('aps.content-state must be an object');
  if (event === 'start' && (typeof aps['attributes-type'] !== 'string' || !isObject(aps['attributes']))) return refuse('a start needs aps.attributes-type and aps.attributes');
  for (const key of ['stale-date', 'dismissal-date'] as const) if (aps[key] !== undefined && !isSeconds(aps[key])) return refuse(`aps.${key} must be UNIX seconds`);
  return undefined;
}
