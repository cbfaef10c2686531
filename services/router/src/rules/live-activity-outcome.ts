import type { NotifyEvent } from '@notify/contracts';
import type { EffectiveOutcome } from './defaults';

/**
 * What routing does with an event that updates a Live Activity, whatever the rule said about
 * channels: the update goes to push at once, since the activity lives on the Lock Screen and only
 * a push changes it. It is state, not a message, so it is never shown in-app, batched into a
 * digest, held through quiet hours or rate-capped (a dropped update leaves the activity showing the
 * wrong state). A rule can still suppress it, and opt-outs still apply.
 * @example forLiveActivity(event, defaultOutcome(event))
 */
export function forLiveActivity(event: Pick<NotifyEvent, 'push'>, outcome: EffectiveOutcome): EffectiveOutcome {
  if (!event.push?.liveActivity) return outcome;
  const { batching: _batching, rateCap: _rateCap, ...rest } = outcome;
  return {
    ...rest,
    // Marketing would take the bulk lane, built for throughput, not for an activity's next state.
    priority: outcome.priority === 'marketing' ? 'normal' : outcome.priority,
    channels: { mode: 'push_only', pushAfterMs: 0 },
    quietHours: 'deliver',
  };
}
