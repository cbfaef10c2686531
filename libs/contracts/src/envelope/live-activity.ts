import { z } from 'zod';
import { IsoTimestamp } from './fields';

/** Room left in APNs' 4096 bytes for `content-state` once `aps` and the ids are written. */
const CONTENT_STATE_MAX_BYTES = 3584;

/** The product's name for one Live Activity (an order id, a match id): its push tokens are registered under it. */
export const ActivityId = z
  .string()
  .min(1)
  .max(128)
  .describe('The id the product gave the Live Activity (an order id, a match id); its push tokens are registered under it');

/**
 * An update to an iOS Live Activity, carried by a transactional event. The push service sends it
 * only to the activity push tokens registered under `activityId` for the user, as an APNs
 * `liveactivity` push; ordinary devices never receive it.
 *
 * `timestamp` defaults to the event's `createdAt`: iOS ignores an update older than the one it
 * shows, so a push retried later still carries the time its content was current.
 */
export const LiveActivityUpdate = z
  .object({
    activityId: ActivityId,
    event: z.enum(['update', 'end']).describe('"update" changes what the activity shows; "end" ends it (it stays on the Lock Screen until its dismissalDate)'),
    contentState: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The activity's new ContentState, with the fields of the app's Activity.ContentState type; required for an update"),
    timestamp: IsoTimestamp.optional().describe('When this content was current (default: the event’s createdAt); sent as UNIX seconds'),
    staleDate: IsoTimestamp.optional().describe('When the system marks the content as out of date'),
    dismissalDate: IsoTimestamp.optional().describe('With "end": when the ended activity leaves the Lock Screen (a time in the past removes it at once)'),
    relevanceScore: z.number().min(0).optional().describe('Which of the app’s activities the Dynamic Island shows first'),
    alert: z
      .object({
        title: z.string().min(1).max(256),
        body: z.string().min(1).max(1024),
        sound: z.string().min(1).max(256).optional().describe('A sound file of the app, or "default"'),
      })
      .strict()
      .optional()
      .describe('Lights up the device and shows the change as an alert as well'),
    apnsPriority: z
      .union([z.literal(5), z.literal(10)])
      .optional()
      .describe('10 (default) delivers at once and counts against the activity’s update budget; 5 is delivered when convenient and does not'),
  })
  .strict()
  .superRefine((update, ctx) => {
    if (update.event === 'update' && update.contentState === undefined) ctx.addIssue({ code: 'custom', path: ['contentState'], message: 'is required for an update' });
    const stateBytes = update.contentState === undefined ? 0 : Buffer.byteLength(JSON.stringify(update.contentState), 'utf8');
    if (stateBytes > CONTENT_STATE_MAX_BYTES) ctx.addIssue({ code: 'custom', path: ['contentState'], message: `is ${stateBytes} bytes as JSON; at most ${CONTENT_STATE_MAX_BYTES} (an APNs payload holds 4096)` });
    if (update.event !== 'end' && update.dismissalDate !== undefined) ctx.addIssue({ code: 'custom', path: ['dismissalDate'], message: 'only goes with event "end"' });
  });
export type LiveActivityUpdate = z.infer<typeof LiveActivityUpdate>;
