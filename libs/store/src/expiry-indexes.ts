import type { Connection } from 'mongoose';

/**
 * Indexes on the date fields retention deletes by. On MongoDB they are TTL indexes, so the server
 * deletes expired documents by itself as well; FerretDB v1 refuses TTL indexes ("not implemented
 * yet", and no `collMod` either), so there they are plain indexes and the scheduled sweeps do it all.
 * They are created here, not declared in the schemas: mongoose would otherwise ask for the plain
 * index on every start and MongoDB would refuse it next to the TTL index of the same key.
 */
export type ServerKind = 'mongodb' | 'ferretdb';

/** FerretDB says who it is in `buildInfo` (`ferretdbVersion`); MongoDB does not. */
export function serverKindOf(buildInfo: Record<string, unknown>): ServerKind {
  return 'ferretdbVersion' in buildInfo ? 'ferretdb' : 'mongodb';
}

const detected = new WeakMap<Connection, Promise<ServerKind>>();

/** Asked once per connection. */
export function detectServer(connection: Connection): Promise<ServerKind> {
  let kind = detected.get(connection);
  if (!kind) {
    const db = connection.db;
    if (!db) return Promise.reject(new Error('MongoDB connection is not open'));
    kind = db.admin().command({ buildInfo: 1 }).then(serverKindOf);
    kind.catch(() => detected.delete(connection));
    detected.set(connection, kind);
  }
  return kind;
}

/** An index on one date field. `expireAfterSeconds` null: a plain index (rows go only by sweep). */
export interface ExpiryIndex {
  collection: string;
  field: string;
  expireAfterSeconds: number | null;
}

export interface ExistingIndex {
  name?: string;
  key: Record<string, unknown>;
  expireAfterSeconds?: number;
}

export type ExpiryIndexStep = { kind: 'keep' } | { kind: 'create' } | { kind: 'change'; name: string };

/**
 * What to do so that the field has the wanted index. A plain index is wanted where the TTL is left
 * to its owner (or the server has none): any index on the field will do, a TTL index included.
 */
export function planExpiryIndex(existing: readonly ExistingIndex[], wanted: ExpiryIndex): ExpiryIndexStep {
  const onField = existing.find((i) => Object.keys(i.key).length === 1 && i.key[wanted.field] === 1);
  if (!onField) return { kind: 'create' };
  if (wanted.expireAfterSeconds === null || onField.expireAfterSeconds === wanted.expireAfterSeconds) return { kind: 'keep' };
  return { kind: 'change', name: onField.name ?? `${wanted.field}_1` };
}

/**
 * Brings the index to what is wanted on this server: a TTL index asked of FerretDB is made a plain
 * one. Answers whether the server now deletes by this index itself.
 */
export async function ensureExpiryIndex(connection: Connection, server: ServerKind, wanted: ExpiryIndex): Promise<boolean> {
  const index: ExpiryIndex = server === 'mongodb' ? wanted : { ...wanted, expireAfterSeconds: null };
  const db = connection.db;
  if (!db) throw new Error('MongoDB connection is not open');
  const collection = db.collection(index.collection);
  const existing = await collection.indexes().catch((err: { code?: number }) => {
    if (err.code === 26) return []; // NamespaceNotFound: the collection is created with its first index
    throw err;
  });
  const step = planExpiryIndex(existing as ExistingIndex[], index);
  const key = { [index.field]: 1 } as const;
  const ttl = index.expireAfterSeconds === null ? {} : { expireAfterSeconds: index.expireAfterSeconds };
  if (step.kind === 'create') await collection.createIndex(key, ttl);
  if (step.kind === 'change') {
    try {
      await db.command({ collMod: index.collection, index: { keyPattern: key, expireAfterSeconds: index.expireAfterSeconds } });
    } catch {
      // A server that cannot turn a plain index into a TTL one in place: build it again.
      await collection.dropIndex(step.name);
      await collection.createIndex(key, ttl);
    }
  }
  return index.expireAfterSeconds !== null;
}
