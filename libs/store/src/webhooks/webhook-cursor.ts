import type { WebhookDelivery } from './webhook.types';

/** Where a page of deliveries (newest first) ended: the last one's creation time and id. */
export interface DeliveryCursor {
  at: number;
  id: string;
}

export function encodeDeliveryCursor(d: Pick<WebhookDelivery, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([d.createdAt.getTime(), d.id])).toString('base64url');
}

/** Reads a page's `next`; throws a RangeError on anything else, which the API answers with a 400. */
export function decodeDeliveryCursor(cursor: string): DeliveryCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isFinite(at) && typeof id === 'string') return { at, id };
  } catch {
    // answered below
  }
  throw new RangeError('not a cursor this API gave out (pass back a page’s "next")');
}

/** Whether a delivery comes after the cursor in newest-first order. */
export function isAfterCursor(d: Pick<WebhookDelivery, 'createdAt' | 'id'>, cursor: DeliveryCursor): boolean {
  const at = d.createdAt.getTime();
  return at < cursor.at || (at === cursor.at && d.id < cursor.id);
}
