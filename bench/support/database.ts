import mongoose from 'mongoose';
import pg from 'pg';

/** The URL of a database of its own for one benchmark run, on the server at MONGO_URL (default: the local one). */
export function databaseUrl(name: string): string {
  const url = new URL(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  url.pathname = `/${name}`;
  return url.toString();
}

/** What a database holds: its size on disk with indexes (MiB), its live documents, and (on PostgreSQL) the dead rows vacuum has still to reclaim. */
export interface DatabaseSize {
  mebibytes: number;
  documents: number;
  deadRows?: number;
}

/**
 * FerretDB's dbStats counts documents from PostgreSQL's planner estimates (`reltuples`, refreshed
 * only by VACUUM and ANALYZE), which lag far behind under deletes. So on FerretDB the figures come
 * from PostgreSQL itself: live and dead rows from its statistics (kept at every commit), and the
 * tables' full size on disk. POSTGRES_URL names the server (default: the local one of infra/).
 */
export async function databaseSize(url: string): Promise<DatabaseSize> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    const db = connection.db!;
    const info = await db.admin().command({ buildInfo: 1 });
    if ('ferretdbVersion' in info) return await postgresTablesSize(db.databaseName);
    const stats = (await db.stats()) as { totalSize?: number; dataSize?: number; indexSize?: number; objects?: number };
    const bytes = stats.totalSize ?? (stats.dataSize ?? 0) + (stats.indexSize ?? 0);
    return { mebibytes: toMebibytes(bytes), documents: stats.objects ?? 0 };
  } finally {
    await connection.close();
  }
}

const toMebibytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** FerretDB keeps a MongoDB database as the PostgreSQL schema of the same name, a table per collection. */
async function postgresTablesSize(schema: string): Promise<DatabaseSize> {
  const client = new pg.Client({ connectionString: process.env.POSTGRES_URL ?? `postgres://ferretdb@127.0.0.1:${process.env.POSTGRES_PORT ?? 15432}/ferretdb` });
  await client.connect();
  try {
    const { rows } = await client.query<{ live: string; dead: string; bytes: string }>(
      `SELECT coalesce(sum(n_live_tup), 0) AS live, coalesce(sum(n_dead_tup), 0) AS dead, coalesce(sum(pg_total_relation_size(relid)), 0) AS bytes
         FROM pg_stat_user_tables WHERE schemaname = $1`,
      [schema],
    );
    const { live, dead, bytes } = rows[0]!;
    return { mebibytes: toMebibytes(Number(bytes)), documents: Number(live), deadRows: Number(dead) };
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
