import { z } from 'zod';

/** Longest a ladder may wait for its last step: a week, the longest a notification is worth chasing. */
export const MAX_ESCALATION_AFTER_MS = 7 * 86_400_000;

export const EscalationStep = z
  .object({
    afterMs: z.number().int().min(1000).max(MAX_ESCALATION_AFTER_MS).describe('How long after routing this step is due, in ms (1 s to 7 days)'),
    unless: z.enum(['read', 'delivered']).default('read').describe('The step is skipped when the notification reached this state (or a later one) on any device by then; default "read"'),
    to: z.enum(['push', 'webhook']).describe('"push": the notification as a push to the user’s devices; "webhook": an `escalated` status carrying the notification to the webhook endpoints subscribed to it (the product’s own SMS or email)'),
  })
  .strict();

/**
 * An escalation ladder: the notification goes in-app first; each step, in order, is taken at its time
 * unless the user got there first. Reading it on any device ends the ladder.
 */
export const EscalationPolicy = z
  .object({
    steps: z.array(EscalationStep).min(1).max(5),
  })
  .strict()
  .superRefine((ladder, ctx) => {
    ladder.steps.forEach((step, i) => {
      const before = ladder.steps[i - 1];
      if (before && step.afterMs <= before.afterMs) ctx.addIssue({ code: 'custom', message: `each step comes after the one before it: ${step.afterMs} ms is not after ${before.afterMs} ms`, path: ['steps', i, 'afterMs'] });
      if (step.to === 'push' && ladder.steps.findIndex((s) => s.to === 'push') !== i) ctx.addIssue({ code: 'custom', message: 'one push step at most: a notification is pushed to each device once', path: ['steps', i, 'to'] });
    });
  });
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

/** What an escalation ladder cannot be combined with in one rule outcome, as issues of that outcome. */
export function escalationConflicts(outcome: { escalation?: unknown; channels?: { mode: string }; batching?: unknown; priority?: string }): Array<{ message: string; path: string[] }> {
  if (!outcome.escalation) return [];
  const issues: Array<{ message: string; path: string[] }> = [];
  if (outcome.channels && outcome.channels.mode !== 'inapp_only') issues.push({ message: 'an escalation ladder starts in-app and takes the place of the push fallback: use channels.mode "inapp_only" or leave channels out', path: ['channels', 'mode'] });
  if (outcome.batching) issues.push({ message: 'a batched digest is not escalated: leave out batching or escalation', path: ['escalation'] });
  if (outcome.priority === 'marketing') issues.push({ message: 'marketing is never escalated: an escalation ladder is for what the user must not miss', path: ['escalation'] });
  return issues;
}
