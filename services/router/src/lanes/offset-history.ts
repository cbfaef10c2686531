import type { TopicPositions } from '@notify/bus';

/** Every lane topic's positions at one moment. */
export interface OffsetSample {
  at: number;
  topics: ReadonlyMap<string, TopicPositions>;
}

/** A partition not committed in yet counts as position 0; null when the group has committed nothing at all. */
const committedSum = (values: ReadonlyArray<number | null>): number | null => (values.every((v) => v === null) ? null : values.reduce<number>((a, b) => a + (b ?? 0), 0));
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * How many messages a group has yet to read: the topic's end minus its committed position, per
 * partition. Null when it has committed nothing in a topic that holds messages (a process's own
 * view keeps no position, so where it stands is unknown); 0 when the topic holds none.
 */
export function lagOf(ends: readonly number[], committed: ReadonlyArray<number | null>): number | null {
  if (committed.every((c) => c === null)) return ends.every((end) => end === 0) ? 0 : null;
  // A partition the group has not committed in yet is read from its start: all of it is lag.
  return ends.reduce((total, end, p) => total + Math.max(0, end - (committed[p] ?? 0)), 0);
}

/**
 * The last few minutes of samples, bounded by age and count, for rates: throughput is the change in
 * the topics' end offsets (written) and in a group's committed offsets (consumed) between two samples.
 */
export class OffsetHistory {
  private readonly samples: OffsetSample[] = [];

  constructor(
    private readonly keepMs: number,
    private readonly maxSamples = 1000,
  ) {}

  add(sample: OffsetSample): void {
    this.samples.push(sample);
    while (this.samples.length > this.maxSamples || (this.samples.length > 1 && sample.at - this.samples[0]!.at > this.keepMs)) this.samples.shift();
  }

  latest(): OffsetSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  get size(): number {
    return this.samples.length;
  }

  /** The oldest sample at most `windowMs` before the latest (not the latest itself): what a rate is measured from. */
  private baseline(windowMs: number): { base: OffsetSample; last: OffsetSample } | null {
    const last = this.latest();
    if (!last) return null;
    const base = this.samples.find((s) => s !== last && last.at - s.at <= windowMs);
    return base ? { base, last } : null;
  }

  /** Messages written to the topic per second over the window; null until two samples cover it. */
  writtenPerSec(topic: string, windowMs: number): number | null {
    const span = this.baseline(windowMs);
    const before = span?.base.topics.get(topic);
    const after = span?.last.topics.get(topic);
    if (!span || !before || !after) return null;
    return perSecond(sum(after.ends) - sum(before.ends), span.last.at - span.base.at);
  }

  /** Messages the group committed per second over the window; null until two samples cover it, or while it has committed nothing. */
  consumedPerSec(topic: string, groupId: string, windowMs: number): number | null {
    const span = this.baseline(windowMs);
    const before = span?.base.topics.get(topic);
    const after = span?.last.topics.get(topic)?.groups.find((g) => g.groupId === groupId);
    if (!span || !before || !after) return null;
    const to = committedSum(after.committed);
    // A group that did not exist yet at the start of the window has committed everything since.
    const from = committedSum(before.groups.find((g) => g.groupId === groupId)?.committed ?? []) ?? 0;
    return to === null ? null : perSecond(to - from, span.last.at - span.base.at);
  }
}

/** Rounded to a tenth; never negative (a group reset, a topic recreated). */
function perSecond(delta: number, ms: number): number {
  return ms <= 0 ? 0 : Math.round((Math.max(0, delta) * 10_000) / ms) / 10;
}
