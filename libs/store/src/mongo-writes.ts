import type { Model } from 'mongoose';

/**
 * How the MongoDB repositories stay correct on every MongoDB-wire server we support.
 *
 * FerretDB v1 applies an update as read, change in memory, write back the whole document. Two
 * concurrent updates of one document therefore lose one of them, even when they touch different
 * fields; `$inc` loses increments and a conditional update can have several winners. Inserts
 * against a unique index, and deletes, are atomic. So:
 * - every decision that racing writers must agree on is an insert (first one wins) or a delete;
 * - a field that is updated is a copy derived from such inserted facts; its writer re-reads after
 *   writing and writes again until the copy matches the facts, so a stale write is always repaired
 *   by the writer that made it;
 * - equality on `_id` is the one filter FerretDB v1 answers without scanning the collection, so the
 *   hot lookups use meaningful `_id`s.
 */

/** MongoDB's duplicate-key error: a unique index said no. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

/** Inserts a document unless its unique key is taken: true when this call inserted it. */
export async function insertOnce<T>(model: Model<T>, doc: Partial<T>): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Inserts the documents whose unique key is free, skipping the others: how many this call inserted. */
export async function insertMissing<T>(model: Model<T>, docs: Array<Partial<T>>): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    return (await model.insertMany(docs, { ordered: false })).length;
  } catch (err) {
    const bulk = err as { writeErrors?: Array<{ code?: number }>; insertedDocs?: unknown[] };
    const errors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : bulk.writeErrors ? [bulk.writeErrors] : [];
    if (errors.length === 0 || !errors.every((e) => e.code === 11000)) throw err;
    return bulk.insertedDocs?.length ?? 0;
  }
}

/** Inserts every document whose unique key is free: the positions (in `docs`) of those whose key was taken. */
export async function insertReportingTaken<T>(model: Model<T>, docs: Array<Partial<T>>): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    // Lean: the documents are built by the repositories, so mongoose's per-document casting would only cost time.
    await model.insertMany(docs, { ordered: false, lean: true });
    return new Set();
  } catch (err) {
    const bulk = err as { writeErrors?: Array<{ code?: number; index?: number; err?: { index?: number } }> | { code?: number; index?: number } };
    const errors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : bulk.writeErrors ? [bulk.writeErrors] : [];
    if (errors.length === 0 || !errors.every((e) => e.code === 11000)) throw err;
    return new Set(errors.map((e) => (e as { index?: number }).index ?? (e as { err?: { index?: number } }).err?.index ?? -1));
  }
}

/** An `_id` made of several parts, unambiguous whatever characters the parts contain. */
export function compositeId(...parts: Array<string | number>): string {
  return JSON.stringify(parts);
}

/** How many documents matching `filter` each user has, by one grouped query (users with none are absent). */
export async function countByUser<T>(model: Model<T>, filter: Record<string, unknown>): Promise<Map<string, number>> {
  const groups = await model.aggregate<{ _id: string; count: number }>([{ $match: filter }, { $group: { _id: '$userId', count: { $sum: 1 } } }]).exec();
  return new Map(groups.map((g) => [g._id, g.count]));
}
