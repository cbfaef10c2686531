import { z } from 'zod';
import { Category, CollapseKey, EventId, EventType, IsoTimestamp, NotificationId, Tenant, UserId } from './fields';
import { EVENT_LIMITS } from './limits';
import { LiveActivityUpdate } from './live-activity';
import { PriorityClass } from './priority';

/** What the user sees; the app fetches anything bigger from the inbox by notification id. */
export const NotificationContent = z
  .object({
    title: z.string().max(EVENT_LIMITS.titleMaxChars).optional(),
    body: z.string().max(EVENT_LIMITS.bodyMaxChars).optional(),
    deepLink: z.string().max(EVENT_LIMITS.deepLinkMaxChars).optional(),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type NotificationContent = z.infer<typeof NotificationContent>;

/** Per-platform pass-through blocks and silent pushes, exactly as the producer gave them. */
export const PushOverrides = z
  .object({
    silent: z.boolean().optional().describe('Data-only / content-available push'),
    apns: z.record(z.string(), z.unknown()).optional(),
    android: z.record(z.string(), z.unknown()).optional(),
    liveActivity: LiveActivityUpdate.optional().describe("Updates or ends an iOS Live Activity instead: sent only to the activity's push tokens"),
  })
  .strict()
  .describe('How the push looks on each platform, as the producer gave it');
export type PushOverrides = z.infer<typeof PushOverrides>;

/**
 * The daily budget a push fallback draws on, as the router resolved it for this user: whoever sends
 * the fallback later takes a unit of it on the user's local day then, or, once it is spent, keeps
 * the notification in the inbox without a push (critical and transactional always pass, counted).
 */
export const FallbackBudget = z
  .object({
    category: z.string().min(1).max(64).describe('The budget category the rule named: rules naming the same one share one count per user and local day'),
    limit: z.number().int().min(0).nullable().describe("The user's pushes a day for it (their own number, else the rule's); null: always passes (critical, transactional) and is counted"),
    timeZone: z.string().min(1).max(64).describe("The user's IANA time zone: the day counted is theirs when the push is due"),
    ruleId: z.string().min(1).max(128).optional().describe('The rule that set the budget, for the trail'),
  })
  .strict()
  .describe('The daily interruption budget a push fallback counts against');
export type FallbackBudget = z.infer<typeof FallbackBudget>;

/** One notification for one user, as the router hands it to a delivery lane. */
export const NotificationV1 = z
  .object({
    version: z.literal(1),
    notificationId: NotificationId,
    eventId: EventId,
    userId: UserId,
    type: EventType,
    priority: PriorityClass,
    category: Category.optional(),
    tenant: Tenant.optional(),
    content: NotificationContent,
    createdAt: IsoTimestamp,
    expiresAt: IsoTimestamp.optional(),
    collapseKey: CollapseKey.optional(),
    fallback: z
      .object({ channel: z.literal('push'), afterMs: z.number().int().nonnegative(), budget: FallbackBudget.optional() })
      .strict()
      .optional()
      .describe('Push if the client has not acknowledged the in-app notification in time'),
    digest: z.object({ count: z.number().int().positive(), eventIds: z.array(EventId) }).strict().optional(),
    push: PushOverrides.optional(),
  })
  .strict();
export type Notification = z.infer<typeof NotificationV1>;
