import type { Model, QueryFilter } from 'mongoose';

/** Documents deleted per statement: ids few enough for one statement the server answers by index. */
export const SWEEP_CHUNK = 1000;
/** Documents one run of a sweep may delete; what is left waits for the next run. */
export const SWEEP_MAX_PER_RUN = 1_000_000;

/**
 * Deletes what `filter` (a range on an indexed field) matches, a chunk at a time: the matching ids
 * are read in one pass, and for each chunk of them `beforeDelete` removes what hangs off them (so
 * a crash leaves no orphan), then they are deleted by `_id`.
 *
 * Why not one deleteMany of the filter: FerretDB deletes what a filter matches by listing every id
 * in one statement, which fails past PostgreSQL's 65,535 parameters. Why not a find with a limit
 * per chunk: FerretDB reads every match of a filter whatever the limit, so each round would cost
 * the whole backlog.
 */
export async function deleteInChunks<T>(
  model: Model<T>,
  filter: QueryFilter<T>,
  options: { beforeDelete?: (ids: string[]) => Promise<void>; chunk?: number } = {},
): Promise<number> {
  const chunk = options.chunk ?? SWEEP_CHUNK;
  let removed = 0;
  let seen = 0;
  let ids: unknown[] = [];
  const flush = async () => {
    if (ids.length === 0) return;
    const batch = ids;
    ids = [];
    if (options.beforeDelete) await options.beforeDelete(batch.map(String));
    removed += (await model.deleteMany({ _id: { $in: batch } } as QueryFilter<T>).exec()).deletedCount;
  };
  const cursor = model.find(filter, { _id: 1 }).lean().batchSize(chunk).cursor();
  try {
    for await (const doc of cursor as AsyncIterable<{ _id: unknown }>) {
      ids.push(doc._id);
      if (ids.length === chunk) await flush();
      if (++seen >= SWEEP_MAX_PER_RUN) break;
    }
  } finally {
    await cursor.close();
  }
  await flush();
  return removed;
}
