import { z } from 'zod';
import { PriorityClass } from '@notify/contracts';
import { BudgetPolicy } from '../budgets/budget-policy';
import { EscalationPolicy, escalationConflicts } from '../escalations/escalation-policy';

/** A type pattern: exact ("payment.succeeded"), a prefix wildcard ("payment.*") or everything ("*"). */
const TypePattern = z.string().min(1).max(128).regex(/^(\*|[A-Za-z0-9]+([._:-][A-Za-z0-9]+)*(\.\*)?)$/, 'an event type, optionally ending in ".*", or "*"');

const PayloadCondition = z
  .object({
    path: z.string().min(1).max(256).regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dotted path such as "order.total"'),
    op: z.enum(['eq', 'ne', 'in', 'exists', 'gt', 'gte', 'lt', 'lte']),
    value: z.unknown().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.op === 'exists' && c.value !== undefined && typeof c.value !== 'boolean') ctx.addIssue({ code: 'custom', message: '"exists" takes true or false', path: ['value'] });
    if (c.op === 'in' && !Array.isArray(c.value)) ctx.addIssue({ code: 'custom', message: '"in" takes an array of values', path: ['value'] });
    if (['gt', 'gte', 'lt', 'lte'].includes(c.op) && typeof c.value !== 'number') ctx.addIssue({ code: 'custom', message: `"${c.op}" takes a number`, path: ['value'] });
    if (['eq', 'ne'].includes(c.op) && c.value === undefined) ctx.addIssue({ code: 'custom', message: `"${c.op}" needs a value`, path: ['value'] });
  });

/** What a rule matches on. Every given field must match; within a list, any entry may. */
export const RuleMatch = z
  .object({
    types: z.array(TypePattern).min(1).optional(),
    categories: z.array(z.string().min(1)).min(1).optional(),
    tenants: z.array(z.string().min(1)).min(1).optional(),
    priorities: z.array(PriorityClass).min(1).optional(),
    payload: z.array(PayloadCondition).min(1).max(20).optional(),
  })
  .strict();

/** How the notification travels: in-app first with push after N ms without an ack, push only, in-app only. */
export const ChannelPolicy = z
  .object({
    mode: z.enum(['inapp_then_push', 'push_only', 'inapp_only']),
    pushAfterMs: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();

export const Batching = z
  .object({
    windowMs: z.number().int().min(1000).max(7 * 86_400_000),
    maxItems: z.number().int().min(1).max(1000),
    /** "{{count}} new offers from {{payload.shop}}" */
    title: z.string().min(1).max(256),
    body: z.string().max(1024).optional(),
    /**
     * Send at a fixed local time in the user's time zone instead of at window end, e.g. "09:00"; or
     * "best": at the user's best hour, learned from when they read, and at `fallbackAt` until then.
     */
    sendAt: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|best)$/, 'HH:MM, 24-hour, or "best"').optional(),
    /** With sendAt "best": the local time until the user's reads say better, e.g. "09:00". */
    fallbackAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.sendAt === 'best' && !b.fallbackAt) ctx.addIssue({ code: 'custom', message: 'sendAt "best" needs a fallbackAt (HH:MM), used until the user’s reads say better', path: ['fallbackAt'] });
    if (b.fallbackAt && b.sendAt !== 'best') ctx.addIssue({ code: 'custom', message: 'fallbackAt applies to sendAt "best" only', path: ['fallbackAt'] });
  });

export const RuleOutcome = z
  .object({
    priority: PriorityClass.optional(),
    channels: ChannelPolicy.optional(),
    batching: Batching.optional(),
    rateCap: z.object({ max: z.number().int().min(1).max(10_000), per: z.enum(['hour', 'day']) }).strict().optional(),
    quietHours: z.enum(['hold', 'deliver', 'drop']).optional(),
    ttlSeconds: z.number().int().positive().max(31_536_000).optional(),
    /** Unread notifications with the same key replace each other; "ride:{{payload.rideId}}" takes the event's payload values. */
    collapseKey: z.string().min(1).max(64).optional(),
    /** Deliver even to users who opted out of the category (critical events only). */
    ignoreOptOut: z.boolean().optional(),
    /** Drop matching events altogether (e.g. silence a noisy type during an incident). */
    suppress: z.boolean().optional(),
    /** A daily interruption budget per user for a named category; over it, lower-priority notifications are shed. */
    budget: BudgetPolicy.optional(),
    /** In-app first, then push and/or a webhook for the product's own channel, each unless read (or delivered) in time. */
    escalation: EscalationPolicy.optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.ignoreOptOut && o.priority !== 'critical') ctx.addIssue({ code: 'custom', message: 'only a rule that makes events critical may ignore opt-outs', path: ['ignoreOptOut'] });
    if (o.batching && o.channels && o.channels.mode !== 'push_only') ctx.addIssue({ code: 'custom', message: 'batched digests are sent as push: use channels.mode "push_only" or leave channels out', path: ['channels', 'mode'] });
    if (o.channels?.pushAfterMs !== undefined && o.channels.mode !== 'inapp_then_push') ctx.addIssue({ code: 'custom', message: 'pushAfterMs applies to mode "inapp_then_push" only', path: ['channels', 'pushAfterMs'] });
    if (o.budget && o.batching) ctx.addIssue({ code: 'custom', message: 'a batched rule already sends one digest per window: a budget applies to notifications sent one by one', path: ['budget'] });
    for (const issue of escalationConflicts(o)) ctx.addIssue({ code: 'custom', ...issue });
  });

export const RuleDefinition = z.object({ match: RuleMatch, outcome: RuleOutcome }).strict();
export type RuleDefinition = z.infer<typeof RuleDefinition>;
export type RuleOutcome = z.infer<typeof RuleOutcome>;
export type RuleMatch = z.infer<typeof RuleMatch>;
