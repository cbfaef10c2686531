/** One partition of an in-process topic: an append-only array, with waiters woken on append. */
export interface StoredRecord {
  offset: number;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: number;
}

export class PartitionLog {
  readonly records: StoredRecord[] = [];
  private waiters = new Set<() => void>();

  append(record: Omit<StoredRecord, 'offset'>): void {
    this.records.push({ ...record, offset: this.records.length });
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  get end(): number {
    return this.records.length;
  }

  /** Resolves when a record at `offset` exists or the signal aborts. */
  waitFor(offset: number, signal: AbortSignal): Promise<void> {
    if (offset < this.records.length || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

/** FNV-1a: a stable key → partition mapping, so one key always lands in one partition. */
export function partitionForKey(key: string | null, partitions: number, fallback: () => number): number {
  if (key === null) return fallback() % partitions;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
