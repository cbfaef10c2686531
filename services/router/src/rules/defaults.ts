import type { NotifyEvent, PriorityClass } from '@notify/contracts';
import type { RuleOutcome } from './rule-definition';

/** What routing does with an event, all fields resolved: a rule's outcome over the built-in defaults. */
export interface EffectiveOutcome {
  priority: PriorityClass;
  channels: { mode: 'inapp_then_push' | 'push_only' | 'inapp_only'; pushAfterMs: number };
  batching?: NonNullable<RuleOutcome['batching']>;
  rateCap?: NonNullable<RuleOutcome['rateCap']>;
  quietHours: 'hold' | 'deliver' | 'drop';
  ttlSeconds?: number;
  collapseKey?: string;
  ignoreOptOut: boolean;
  suppress: boolean;
  budget?: NonNullable<RuleOutcome['budget']>;
  /** The escalation ladder's steps (the notification then goes in-app only: the ladder takes the push fallback's place). */
  escalation?: NonNullable<RuleOutcome['escalation']>['steps'];
}

/** How long an online user's client has to acknowledge before the push fallback. */
export const DEFAULT_PUSH_AFTER_MS = 30_000;

/** Marketing without a rule: one digest per user every 15 minutes, at most 20 items, held through quiet hours. */
export const DEFAULT_MARKETING_BATCHING = { windowMs: 15 * 60_000, maxItems: 20, title: '{{count}} new updates' } as const;

/**
 * The built-in behaviour before any ops rule: transactional (and critical, normal) events go in-app
 * at once with push as fallback; marketing is batched into push digests and kept out of quiet hours.
 */
export function defaultOutcome(event: Pick<NotifyEvent, 'priority' | 'ttl' | 'collapseKey'>): EffectiveOutcome {
  const priority = event.priority ?? 'transactional';
  const base = {
    priority,
    ignoreOptOut: false,
    suppress: false,
    ...(event.ttl ? { ttlSeconds: event.ttl } : {}),
    ...(event.collapseKey ? { collapseKey: event.collapseKey } : {}),
  };
  if (priority === 'marketing') return { ...base, channels: { mode: 'push_only', pushAfterMs: 0 }, batching: { ...DEFAULT_MARKETING_BATCHING }, quietHours: 'hold' };
  return { ...base, channels: { mode: 'inapp_then_push', pushAfterMs: DEFAULT_PUSH_AFTER_MS }, quietHours: priority === 'critical' ? 'deliver' : 'hold' };
}

/** A rule's outcome laid over the defaults of the priority it results in. */
export function applyOutcome(event: Pick<NotifyEvent, 'priority' | 'ttl' | 'collapseKey'>, outcome: RuleOutcome): EffectiveOutcome {
  const base = defaultOutcome({ ...event, priority: outcome.priority ?? event.priority });
  const channels = outcome.channels ? { mode: outcome.channels.mode, pushAfterMs: outcome.channels.pushAfterMs ?? (outcome.channels.mode === 'inapp_then_push' ? DEFAULT_PUSH_AFTER_MS : 0) } : outcome.batching ? { mode: 'push_only' as const, pushAfterMs: 0 } : base.channels;
  const effective: EffectiveOutcome = {
    ...base,
    channels,
    quietHours: outcome.quietHours ?? base.quietHours,
    ignoreOptOut: outcome.ignoreOptOut ?? false,
    suppress: outcome.suppress ?? false,
  };
  if (outcome.batching) effective.batching = outcome.batching;
  else if (outcome.channels && outcome.channels.mode !== 'push_only') delete effective.batching;
  if (outcome.rateCap) effective.rateCap = outcome.rateCap;
  if (outcome.ttlSeconds) effective.ttlSeconds = outcome.ttlSeconds;
  if (outcome.collapseKey) effective.collapseKey = outcome.collapseKey;
  // A budgeted rule sends one by one and sheds what is over the budget, instead of the marketing digest.
  if (outcome.budget) {
    effective.budget = outcome.budget;
    delete effective.batching;
  }
  if (outcome.escalation) {
    effective.escalation = outcome.escalation.steps;
    effective.channels = { mode: 'inapp_only', pushAfterMs: 0 };
    delete effective.batching;
  }
  return effective;
}
