import { z } from 'zod';
import { HttpError } from '@notify/http';
import { InvalidCursorError } from '@notify/store';

/** `?limit=&cursor=`: the first page without a cursor, then each answer's `next`. */
/** The cursor of the page after this one, in every paged answer. */
export const NextCursor = z.string().nullable().describe('Pass as `cursor` for the next page; null on the last');

export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100).describe('Steps (or notifications) per page'),
    cursor: z.string().min(1).max(512).optional().describe('The `next` of the previous page (opaque)'),
  })
  .strict();

/** One step of the status trail, as delivery.status carries it (docs/schemas/delivery.status.v1.schema.json). */
export const HistoryStep = z
  .looseObject({
    eventId: z.string(),
    notificationId: z.string().optional(),
    userId: z.string().optional(),
    status: z.string().describe('routed, batched, sent, delivered, seen, read, failed, suppressed, …'),
    channel: z.string().optional(),
    reason: z.string().optional().describe('Why, for a step that did not go ahead'),
    service: z.string(),
    at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'StatusStep' });

/** A cursor the store did not give out is the client's mistake: a 400 naming it. */
export async function pageOf<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new HttpError('NOTIFY_ERR_VALIDATION', `query: cursor: ${err.message}`);
    throw err;
  }
}
