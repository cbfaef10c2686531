import { z } from 'zod';
import { NotificationContent, PriorityClass } from '@notify/contracts';

const InboxStateName = z.enum(['sent', 'delivered', 'seen', 'read', 'archived']);

/** What one gateway hands another for the sockets it holds: new notifications, state changes, the unread count. */
export const RelayMessage = z
  .object({
    userId: z.string().min(1).max(128),
    notifications: z
      .array(
        z.object({
          notificationId: z.string(),
          seq: z.number().int().positive(),
          type: z.string(),
          priority: PriorityClass,
          category: z.string().optional(),
          content: NotificationContent,
          createdAt: z.string(),
          state: InboxStateName,
          collapseKey: z.string().optional(),
          supersedes: z.string().optional(),
          eventId: z.string().optional(),
          previousSeq: z.number().int().nonnegative().optional(),
        }),
      )
      .max(500)
      .optional(),
    states: z.array(z.object({ notificationId: z.string(), state: InboxStateName })).max(500).optional(),
    unread: z.number().int().nonnegative().optional().describe('The unread count, counted after a read or archive'),
    unreadDelta: z.number().int().optional().describe('A change to the unread count: +1 for a new notification'),
  })
  .strict();
export type RelayMessage = z.infer<typeof RelayMessage>;

/** Several users' messages in one request: what one batch of deliver.inapp has for the users a gateway holds. */
export const RelayBatch = z.object({ messages: z.array(RelayMessage).min(1).max(500) }).strict();
export type RelayBatch = z.infer<typeof RelayBatch>;

export const RELAY_PATH = '/internal/v1/relay';
