import type { ServiceDeps } from '@notify/runtime';
import type { MongoStore } from '@notify/store';

/**
 * Counts by name every operation a benchmarked process asks of the MongoDB-wire server (mongoose's
 * debug hook sees every collection method the repositories call), served at /bench/store-commands:
 * what a phase cost the store.
 */
export function serveStoreCommands(deps: ServiceDeps): void {
  const storeCommands: Record<string, number> = {};
  if (deps.store.kind === 'mongo') (deps.store as MongoStore).connection.set('debug', (_collection: string, method: string) => void (storeCommands[method] = (storeCommands[method] ?? 0) + 1));
  deps.http.app.get('/bench/store-commands', async () => storeCommands);
}
