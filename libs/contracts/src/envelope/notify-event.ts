import { z } from 'zod';
import { Category, CollapseKey, EventId, EventType, IsoTimestamp, Tenant, UserId } from './fields';
import { EVENT_LIMITS } from './limits';
import { PushOverrides } from './notification';
import { PriorityClass } from './priority';

/** Who an event is for: one user, a list of users, or a topic the router expands. */
export const Recipients = z.union([
  z.object({ userId: UserId }).strict(),
  z.object({ userIds: z.array(UserId).min(1).max(1000) }).strict(),
  z.object({ topic: z.string().min(1).max(256).describe('A named group of users, e.g. "followers:user-42"') }).strict(),
]);
export type Recipients = z.infer<typeof Recipients>;

/** The payload's limits (see limits.ts): its size, and title, body and deep link, which become the notification's text. */
const Payload = z
  .record(z.string(), z.unknown())
  .superRefine((payload, ctx) => {
    // Counted, not encoded: this runs for every event the router decodes.
    const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    if (bytes > EVENT_LIMITS.payloadMaxBytes) ctx.addIssue({ code: 'custom', message: `is ${bytes} bytes as JSON; at most ${EVENT_LIMITS.payloadMaxBytes}` });
    const text: Array<[string, number]> = [
      ['title', EVENT_LIMITS.titleMaxChars],
      ['body', EVENT_LIMITS.bodyMaxChars],
      ['deepLink', EVENT_LIMITS.deepLinkMaxChars],
    ];
    for (const [key, max] of text) {
      const value = payload[key];
      if (typeof value === 'string' && value.length > max) ctx.addIssue({ code: 'custom', path: [key], message: `${value.length} characters; at most ${max}` });
    }
  })
  .describe(`Free-form data for templates, rules and the app: at most ${EVENT_LIMITS.payloadMaxBytes} bytes as JSON; string title, body and deepLink become the notification's text (at most ${EVENT_LIMITS.titleMaxChars}, ${EVENT_LIMITS.bodyMaxChars} and ${EVENT_LIMITS.deepLinkMaxChars} characters)`);

/** What a product team writes to `notify.events` (or POSTs to /v1/events). Version 1. */
export const NotifyEventV1 = z
  .object({
    version: z.literal(1).describe('Envelope schema version'),
    id: EventId,
    type: EventType,
    to: Recipients,
    payload: Payload,
    createdAt: IsoTimestamp,
    priority: PriorityClass.optional(),
    category: Category.optional(),
    ttl: z.number().int().positive().max(31_536_000).optional().describe('Seconds after createdAt when the event is no longer worth delivering'),
    collapseKey: CollapseKey.optional(),
    tenant: Tenant.optional(),
    push: PushOverrides.optional(),
  })
  .strict()
  .describe('A product event to notify users about');
export type NotifyEvent = z.infer<typeof NotifyEventV1>;

/** The key that keeps one user's notifications in order on the intake topics. */
export function intakeKeyOf(event: Pick<NotifyEvent, 'to' | 'id'>): string {
  const to = event.to;
  if ('userId' in to) return to.userId;
  if ('userIds' in to) return to.userIds.length === 1 ? to.userIds[0]! : `multi:${event.id}`;
  return `topic:${to.topic}`;
}
