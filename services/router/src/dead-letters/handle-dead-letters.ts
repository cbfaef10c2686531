import { randomUUID } from 'node:crypto';
import type { Bus } from '@notify/bus';
import { allTopics, topics, type TopicSpec } from '@notify/contracts';
import type { DeadLetterAction, DeadLetterActionKind, DeadLetterActionRepository } from '@notify/store';
import type { DeadLetterIndex, IndexedLetter, LetterFilter } from './dead-letter-index';

export interface DeadLetterDeps {
  index: DeadLetterIndex;
  actions: DeadLetterActionRepository;
  bus: Bus;
}

export type LetterState = 'open' | 'replayed' | 'discarded';

/** A letter with what became of it. */
export interface LetterView extends IndexedLetter {
  state: LetterState;
  handled?: DeadLetterAction;
}

/** Letters asked about in one read of the store while a page of open letters is gathered. */
const STATE_CHUNK = 200;

/** The replayed header names the letter a replayed message came from, for whoever reads the topic. */
export const REPLAYED_FROM_HEADER = 'notify-replayed-from';

/**
 * A page of letters, newest first, each with its state, and how many letters match the reason and
 * time whatever their state. Open letters are found by asking the store
 * about a chunk at a time until the page is full, skipping those already known to be handled.
 */
export async function listLetters(deps: DeadLetterDeps, filter: LetterFilter & { state: LetterState | 'all'; limit: number }): Promise<{ letters: LetterView[]; matched: number }> {
  const all = deps.index.find(filter);
  const matches = filter.state === 'open' ? all.filter((l) => !deps.index.isKnownHandled(l.id)) : all;
  const page: LetterView[] = [];
  for (let from = 0; from < matches.length && page.length < filter.limit; from += STATE_CHUNK) {
    const chunk = matches.slice(from, from + STATE_CHUNK);
    const handled = await deps.actions.handled(chunk.map((l) => l.id));
    deps.index.markHandled(handled.keys());
    for (const letter of chunk) {
      const view = withState(letter, handled.get(letter.id));
      if (filter.state === 'all' || view.state === filter.state) page.push(view);
      if (page.length === filter.limit) break;
    }
  }
  return { letters: page, matched: all.length };
}

/** One letter with its state, or undefined when the index does not hold it. */
export async function letterById(deps: DeadLetterDeps, id: string): Promise<LetterView | undefined> {
  const letter = deps.index.get(id);
  if (!letter) return undefined;
  return withState(letter, (await deps.actions.handled([id])).get(id));
}

export interface ActionResult {
  actionId: string;
  /** The letters this action handled. */
  done: string[];
  /** The letters it left alone, and why. */
  skipped: Array<{ id: string; why: string }>;
}

/**
 * Sends each letter's original bytes back to the topic they came from, with their key, so they are
 * routed again (after the fix that makes them routable: a rule for their type, a corrected producer).
 * Each letter is claimed for this action first, so two people replaying it at once send it once; if
 * the topic does not take them, the claims are given back and the letters stay open.
 */
export async function replayLetters(deps: DeadLetterDeps, ids: readonly string[], actor: string, now = new Date()): Promise<ActionResult> {
  return act(deps, 'replay', ids, actor, now, async (letters) => {
    const byTopic = new Map<TopicSpec<unknown>, IndexedLetter[]>();
    for (const letter of letters) byTopic.set(topicOf(letter)!, [...(byTopic.get(topicOf(letter)!) ?? []), letter]);
    for (const [topic, group] of byTopic) {
      await deps.bus.publishRaw(topic, group.map(({ id, letter }) => ({ key: letter.source.key, value: Buffer.from(letter.originalBase64, 'base64'), headers: { [REPLAYED_FROM_HEADER]: id } })));
    }
  });
}

/** Sets letters aside for good: they stay on the topic until its retention, shown as discarded. */
export async function discardLetters(deps: DeadLetterDeps, ids: readonly string[], actor: string, now = new Date()): Promise<ActionResult> {
  return act(deps, 'discard', ids, actor, now, async () => {});
}

/** One action's letters as the log shows them: who did what, when, to which letters. */
export interface ActionLogEntry {
  actionId: string;
  action: DeadLetterActionKind;
  actor: string;
  at: Date;
  letters: Array<{ id: string; reason: string; sourceTopic: string }>;
}

/** The most recent actions, newest first, each with its letters (from the last `letters` handled letters). */
export async function actionLog(deps: Pick<DeadLetterDeps, 'actions'>, letters: number): Promise<ActionLogEntry[]> {
  const log = new Map<string, ActionLogEntry>();
  for (const a of await deps.actions.recent(letters)) {
    const entry = log.get(a.actionId) ?? { actionId: a.actionId, action: a.action, actor: a.actor, at: a.at, letters: [] };
    entry.letters.push({ id: a.letterId, reason: a.reason, sourceTopic: a.sourceTopic });
    log.set(a.actionId, entry);
  }
  return [...log.values()];
}

async function act(deps: DeadLetterDeps, action: DeadLetterActionKind, ids: readonly string[], actor: string, now: Date, carryOut: (letters: IndexedLetter[]) => Promise<void>): Promise<ActionResult> {
  const actionId = randomUUID();
  const skipped: ActionResult['skipped'] = [];
  const candidates: IndexedLetter[] = [];
  for (const id of new Set(ids)) {
    const letter = deps.index.get(id);
    if (!letter) skipped.push({ id, why: 'no such letter (or older than this router holds)' });
    else if (action === 'replay' && !topicOf(letter)) skipped.push({ id, why: `its topic ${letter.letter.source.topic} cannot be replayed to` });
    else candidates.push(letter);
  }
  const claimed = new Set(await deps.actions.claim(candidates.map(({ id, letter }) => ({ letterId: id, actionId, action, actor, at: now, reason: letter.reason, sourceTopic: letter.source.topic }))));
  deps.index.markHandled(candidates.map((l) => l.id));
  for (const letter of candidates) if (!claimed.has(letter.id)) skipped.push({ id: letter.id, why: 'already handled' });
  const done = candidates.filter((l) => claimed.has(l.id));
  try {
    await carryOut(done);
  } catch (err) {
    await deps.actions.release(done.map((l) => l.id));
    deps.index.unmarkHandled(done.map((l) => l.id));
    throw err;
  }
  return { actionId, done: done.map((l) => l.id), skipped };
}

function withState(letter: IndexedLetter, handled: DeadLetterAction | undefined): LetterView {
  if (!handled) return { ...letter, state: 'open' };
  return { ...letter, state: handled.action === 'replay' ? 'replayed' : 'discarded', handled };
}

/** The catalogue topic a letter came from; never the dead-letter topic itself. */
function topicOf(letter: IndexedLetter): TopicSpec<unknown> | undefined {
  if (letter.letter.source.topic === topics.notifyDlq.name) return undefined;
  return allTopics.find((t) => t.name === letter.letter.source.topic);
}
