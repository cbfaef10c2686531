import type { DeadLetter, DeadLetterReason } from '@notify/contracts';

/** A dead letter as the index holds it: the letter and its place on the dead-letter topic. */
export interface IndexedLetter {
  /** `partition:offset` on the dead-letter topic: unique, stable, and what the action log records. */
  readonly id: string;
  readonly letter: DeadLetter;
  /** Bytes the index counts against its budget (the original bytes and the detail). */
  readonly size: number;
}

export interface LetterFilter {
  reason?: DeadLetterReason;
  /** Only letters set aside at or after this instant, and before `until`. */
  since?: Date;
  until?: Date;
}

/**
 * The router's view of the dead-letter topic for the console: the newest letters, as many as fit
 * in a memory budget, the oldest dropped first. Each router reads the whole topic in a group of its
 * own, so any instance answers the console; the topic keeps letters for 30 days, and a letter too old
 * to be held here is still on the topic. Which letters were handled is the store's to say (every
 * instance handles letters); the index only remembers those it was told of, since handled is final.
 */
export class DeadLetterIndex {
  private readonly letters = new Map<string, IndexedLetter>();
  private readonly nextOffset = new Map<number, bigint>();
  private readonly knownHandled = new Set<string>();
  private bytes = 0;
  /** Letters dropped to stay within the budget since start. */
  dropped = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a letter read at `partition:offset`; a letter read again (the group rebalanced) is ignored. */
  add(partition: number, offset: string, letter: DeadLetter): void {
    const at = BigInt(offset);
    if (at < (this.nextOffset.get(partition) ?? 0n)) return;
    this.nextOffset.set(partition, at + 1n);
    const entry: IndexedLetter = { id: `${partition}:${offset}`, letter, size: letter.originalBase64.length + letter.message.length + 256 };
    this.letters.set(entry.id, entry);
    this.bytes += entry.size;
    // Map order is insertion order, so the first entry is the oldest read.
    while (this.bytes > this.maxBytes && this.letters.size > 1) {
      const [oldestId, oldest] = this.letters.entries().next().value as [string, IndexedLetter];
      this.letters.delete(oldestId);
      this.knownHandled.delete(oldestId);
      this.bytes -= oldest.size;
      this.dropped++;
    }
  }

  get(id: string): IndexedLetter | undefined {
    return this.letters.get(id);
  }

  /** The letters that match, newest first. */
  find(filter: LetterFilter): IndexedLetter[] {
    const since = filter.since?.getTime() ?? -Infinity;
    const until = filter.until?.getTime() ?? Infinity;
    return [...this.letters.values()]
      .filter(({ letter }) => (!filter.reason || letter.reason === filter.reason) && inRange(Date.parse(letter.failedAt), since, until))
      .sort((a, b) => Date.parse(b.letter.failedAt) - Date.parse(a.letter.failedAt) || (b.id < a.id ? -1 : 1));
  }

  /** Remembers that these letters were handled: handled is final, so they need not be asked about again. */
  markHandled(ids: Iterable<string>): void {
    for (const id of ids) if (this.letters.has(id)) this.knownHandled.add(id);
  }

  /** Forgets handled marks whose action was given back (it could not be carried out). */
  unmarkHandled(ids: Iterable<string>): void {
    for (const id of ids) this.knownHandled.delete(id);
  }

  isKnownHandled(id: string): boolean {
    return this.knownHandled.has(id);
  }

  /** How many letters are held, how much of the budget they use, and the oldest one's time. */
  stats(): { letters: number; bytes: number; maxBytes: number; dropped: number; oldest: string | null } {
    const oldest = this.letters.values().next().value as IndexedLetter | undefined;
    return { letters: this.letters.size, bytes: this.bytes, maxBytes: this.maxBytes, dropped: this.dropped, oldest: oldest?.letter.failedAt ?? null };
  }
}

const inRange = (t: number, since: number, until: number) => t >= since && t < until;
