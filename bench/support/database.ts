import mongoose from 'mongoose';

/** The URL of a database of its own for one benchmark run, on the server at MONGO_URL (default: the local one). */
export function databaseUrl(name: string): string {
  const url = new URL(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  url.pathname = `/${name}`;
  return url.toString();
}

/** What a database holds: data and indexes (dbStats' totalSize, in MiB) and documents. */
export async function databaseSize(url: string): Promise<{ mebibytes: number; documents: number }> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    const stats = (await connection.db!.stats()) as { totalSize?: number; dataSize?: number; indexSize?: number; objects?: number };
    const bytes = stats.totalSize ?? (stats.dataSize ?? 0) + (stats.indexSize ?? 0);
    return { mebibytes: Math.round((bytes / 1024 / 1024) * 10) / 10, documents: stats.objects ?? 0 };
  } finally {
    await connection.close();
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
