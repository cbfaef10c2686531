/** A page cursor a client sent back that this store did not make (or made for another list). */
export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one this list gave out; start again without it');
    this.name = 'InvalidCursorError';
  }
}

/** Where a page of a history ended: the last step's time, then its place in the order of writing. */
export interface HistoryPosition {
  at: number;
  key: string;
}

/** Where a page of a user's notifications ended: the last one's first step, then its id. */
export interface UserPosition {
  firstAt: number;
  notificationId: string;
}

/** Cursors are opaque to clients: base64url of a small JSON. */
export function encodeCursor(position: HistoryPosition | UserPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeHistoryCursor(cursor: string): HistoryPosition {
  const value = decode(cursor);
  if (typeof value.at !== 'number' || !Number.isFinite(value.at) || typeof value.key !== 'string' || value.key.length === 0 || value.key.length > 64) throw new InvalidCursorError();
  return { at: value.at, key: value.key };
}

export function decodeUserCursor(cursor: string): UserPosition {
  const value = decode(cursor);
  if (typeof value.firstAt !== 'number' || !Number.isFinite(value.firstAt) || typeof value.notificationId !== 'string' || value.notificationId.length === 0) throw new InvalidCursorError();
  return { firstAt: value.firstAt, notificationId: value.notificationId };
}

function decode(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not ours: said below
  }
  throw new InvalidCursorError();
}

/** Newest first by first step, then by id: the order of a user's notifications, stable while steps are added. */
export function newerNotificationFirst(a: { firstAt: Date; notificationId?: string | undefined }, b: { firstAt: Date; notificationId?: string | undefined }): number {
  return b.firstAt.getTime() - a.firstAt.getTime() || (b.notificationId! < a.notificationId! ? -1 : b.notificationId! > a.notificationId! ? 1 : 0);
}

/** Whether a notification comes after the cursor in that order. */
export function afterUserPosition(n: { firstAt: Date; notificationId?: string | undefined }, position: UserPosition | undefined): boolean {
  if (!position) return true;
  const t = n.firstAt.getTime();
  return t < position.firstAt || (t === position.firstAt && n.notificationId! < position.notificationId);
}
