/** One record of an in-process partition. Offsets stay what they were when records before them are dropped. */
export interface StoredRecord {
  offset: number;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: number;
}

export interface PartitionLogOptions {
  /** Keep only the latest record per key (a compacted topic), not what every group has read. */
  compact?: boolean;
  /** Records older than this go even if a group has not read them, as on Kafka; -1 keeps them. */
  retentionMs?: number;
  now?: () => number;
}

/** Records read by every group are dropped in chunks of at least this many (or all at once), so a commit costs O(1) on average. */
const TRIM_CHUNK = 256;
/** A compacted log is rewritten once this many of its records (at least) have a newer one of the same key. */
const COMPACT_MIN = 1024;

/**
 * One partition of an in-process topic: an append-only log with waiters woken on append, bounded
 * like a Kafka partition. A `delete` topic drops the records every consumer group has committed
 * (and, past its retention, older ones); a compacted topic keeps the latest record of each key.
 * Offsets never change: a reader asking for an offset that is gone gets the first record after it.
 */
export class PartitionLog {
  private records: StoredRecord[] = [];
  private nextOffset = 0;
  private waiters = new Set<() => void>();
  /** Committed positions of the groups reading this partition: nothing at or above the lowest is dropped. */
  private readonly readers = new Set<() => number>();
  /** Compacted logs: each key's latest offset, and how many records are superseded. */
  private readonly latest = new Map<string, number>();
  private superseded = 0;

  constructor(private readonly options: PartitionLogOptions = {}) {}

  append(record: Omit<StoredRecord, 'offset'>): void {
    const offset = this.nextOffset++;
    this.records.push({ ...record, offset });
    if (this.options.compact && record.key !== null) {
      if (this.latest.has(record.key)) this.superseded++;
      this.latest.set(record.key, offset);
      if (this.superseded >= Math.max(COMPACT_MIN, this.records.length / 2)) this.compactNow();
    }
    this.expire(record.timestamp);
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** The offset the next record will get. */
  get end(): number {
    return this.nextOffset;
  }

  /** The offset of the first record held (`end` when none is). */
  get start(): number {
    return this.records[0]?.offset ?? this.nextOffset;
  }

  /** Records held now. */
  get size(): number {
    return this.records.length;
  }

  /** Up to `max` records from `offset` on (from the first one held after it, if it is gone). */
  read(offset: number, max: number): StoredRecord[] {
    const first = this.indexOf(offset);
    return this.records.slice(first, first + max);
  }

  /** A consumer group reading this partition: `position` is its committed offset. Returns how to stop counting it. */
  addReader(position: () => number): () => void {
    this.readers.add(position);
    return () => this.readers.delete(position);
  }

  /** Called after a group committed: drops what every group has read (not on a compacted log, which new readers read whole). */
  released(): void {
    if (this.options.compact || this.readers.size === 0) return;
    let lowest = Infinity;
    for (const position of this.readers) lowest = Math.min(lowest, position());
    const droppable = this.indexOf(lowest);
    if (droppable >= TRIM_CHUNK || (droppable > 0 && droppable === this.records.length)) this.records.splice(0, droppable);
  }

  /** Resolves when a record at `offset` exists or the signal aborts. */
  waitFor(offset: number, signal: AbortSignal): Promise<void> {
    if (offset < this.nextOffset || signal.aborted) return Promise.resolve();
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

  /** The index of the first record with an offset at or above `offset` (binary search: compaction leaves gaps). */
  private indexOf(offset: number): number {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.records[middle]!.offset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compactNow(): void {
    this.records = this.records.filter((r) => r.key === null || this.latest.get(r.key) === r.offset);
    this.superseded = 0;
  }

  /** Time retention, checked on append; the oldest record is first, so this looks at one record when nothing is due. */
  private expire(now: number): void {
    const retentionMs = this.options.retentionMs ?? -1;
    if (retentionMs < 0) return;
    const cutoff = (this.options.now?.() ?? now) - retentionMs;
    let drop = 0;
    while (drop < this.records.length - 1 && this.records[drop]!.timestamp < cutoff) drop++;
    if (drop === 0) return;
    for (const record of this.records.slice(0, drop)) if (record.key !== null && this.latest.get(record.key) === record.offset) this.latest.delete(record.key);
    this.records.splice(0, drop);
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
