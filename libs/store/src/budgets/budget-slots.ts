import { compositeId } from '../mongo-writes';
import type { BudgetChannel, BudgetSpend, BudgetTake, BudgetTakeOutcome } from './budget.types';

/** A unit of a budget: the `slot`-th of its (user, day, budget, channel), held by one notification. */
export interface BudgetUnit {
  _id: string;
  kind: 'unit' | 'holder';
  userId: string;
  day: string;
  budget: string;
  channel: BudgetChannel;
  slot: number;
  notificationId: string;
  at: Date;
  expiresAt: Date;
}

/** What a store must do for budgets to be correct: inserts against a unique `_id`, and reads by `_id`. */
export interface BudgetUnitStore {
  /** Inserts every unit whose `_id` is free: the positions of those whose `_id` was taken. */
  insert(units: BudgetUnit[]): Promise<Set<number>>;
  /** The units with these `_id`s (absent ones are left out). */
  read(ids: string[]): Promise<BudgetUnit[]>;
}

/** Groups (user, day, budget, channel) a repository remembers the next free slot of: a hint only. */
export const REMEMBERED_GROUPS = 50_000;

const groupOf = (r: Pick<BudgetTake, 'userId' | 'day' | 'budget' | 'channel'>) => compositeId(r.userId, r.day, r.budget, r.channel);
export const unitId = (group: string, slot: number) => compositeId(group, slot);
/** "Notification n holds slot k": read by `_id` when a notification asks again, so a replay costs one read. */
export const holderId = (group: string, notificationId: string) => compositeId(group, 'holder', notificationId);

/**
 * Hands out budget units: each waiting request tries the next free-looking slot of its group, one insert
 * for all of them per round; a taken slot held by the same notification is its own (a replay racing
 * itself), any other sends it on to the next slot. A request with a limit stops at it (over budget);
 * one without (critical, transactional) goes on until it finds a free slot, so it is counted too.
 * Then each counted notification's holder fact is written, so asking again later is one read.
 *
 * `nextToTry` remembers where each group stands (one user's events reach one router at a time):
 * a hint that saves rounds, never relied on, bounded by `remembered`.
 */
export async function takeBudgetUnits(store: BudgetUnitStore, nextToTry: Map<string, number>, remembered: number, requests: readonly BudgetTake[], now: Date): Promise<BudgetTakeOutcome[]> {
  const outcomes: Array<BudgetTakeOutcome | undefined> = requests.map(() => undefined);
  const groupKeys = requests.map(groupOf);
  const knownHolders = new Set<number>();
  const asking = requests.flatMap((r, i) => (r.mayHoldOne ? [i] : []));
  if (asking.length > 0) {
    const held = new Map((await store.read(asking.map((i) => holderId(groupKeys[i]!, requests[i]!.notificationId)))).map((u) => [u._id, u.slot]));
    for (const i of asking) {
      const slot = held.get(holderId(groupKeys[i]!, requests[i]!.notificationId));
      if (slot === undefined) continue;
      outcomes[i] = { counted: true, position: slot, again: true };
      knownHolders.add(i);
    }
  }
  const groups = new Map<string, { waiting: number[]; next: number }>();
  requests.forEach((r, i) => {
    if (outcomes[i]) return;
    const key = groupKeys[i]!;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { waiting: [], next: nextToTry.get(key) ?? 1 }));
    // Asked again and no holder fact: it may hold a slot its holder fact was not written for (a crash in between).
    if (r.mayHoldOne) group.next = 1;
    group.waiting.push(i);
  });
  const unitOf = (i: number, slot: number): BudgetUnit => {
    const r = requests[i]!;
    return { _id: unitId(groupKeys[i]!, slot), kind: 'unit', userId: r.userId, day: r.day, budget: r.budget, channel: r.channel, slot, notificationId: r.notificationId, at: now, expiresAt: r.expiresAt };
  };
  while (groups.size > 0) {
    const attempts: Array<{ i: number; key: string; slot: number }> = [];
    for (const [key, group] of groups) {
      for (const i of group.waiting) {
        const limit = requests[i]!.limit;
        if (limit !== null && group.next > limit) outcomes[i] = { counted: false, spent: group.next - 1 };
        else attempts.push({ i, key, slot: group.next++ });
      }
      group.waiting = [];
    }
    if (attempts.length === 0) break;
    const units = attempts.map(({ i, slot }) => unitOf(i, slot));
    const taken = await store.insert(units);
    const holders = taken.size > 0 ? new Map((await store.read([...taken].map((p) => units[p]!._id))).map((u) => [u._id, u.notificationId])) : new Map<string, string>();
    attempts.forEach(({ i, key, slot }, p) => {
      const mine = !taken.has(p) || holders.get(units[p]!._id) === requests[i]!.notificationId;
      if (mine) outcomes[i] = { counted: true, position: slot, again: taken.has(p) };
      else groups.get(key)!.waiting.push(i);
    });
    for (const [key, group] of groups) {
      remember(nextToTry, remembered, key, group.next);
      if (group.waiting.length === 0) groups.delete(key);
    }
  }
  const counted = requests.flatMap((r, i) => {
    const outcome = outcomes[i]!;
    return outcome.counted && !knownHolders.has(i) ? [{ ...unitOf(i, outcome.position), _id: holderId(groupKeys[i]!, r.notificationId), kind: 'holder' as const }] : [];
  });
  // Holder facts are the same whoever writes them: one already there is fine.
  if (counted.length > 0) await store.insert(counted);
  return outcomes as BudgetTakeOutcome[];
}

function remember(nextToTry: Map<string, number>, remembered: number, key: string, next: number): void {
  // Oldest first out: a Map iterates in insertion order, so re-inserting keeps recent groups at the end.
  nextToTry.delete(key);
  nextToTry.set(key, next);
  if (nextToTry.size > remembered) nextToTry.delete(nextToTry.keys().next().value!);
}

/** Units counted per budget and channel, in name order. */
export function spendOf(units: Iterable<Pick<BudgetUnit, 'budget' | 'channel'>>): BudgetSpend[] {
  const counts = new Map<string, BudgetSpend>();
  for (const { budget, channel } of units) {
    const key = JSON.stringify([budget, channel]);
    const spend = counts.get(key) ?? { budget, channel, count: 0 };
    spend.count++;
    counts.set(key, spend);
  }
  return [...counts.values()].sort((a, b) => a.budget.localeCompare(b.budget) || a.channel.localeCompare(b.channel));
}
