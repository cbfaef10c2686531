/** What the consume path says of one message: its position may move past it, or it must be read again. */
export type MessageOutcome = 'committable' | 'aborted';

export interface KeyedRunOptions<M> {
  /** Messages of one key run one after the other, in the order given; different keys overlap. */
  keyOf: (message: M) => string | null;
  /** Messages in flight at once. 1 is strictly sequential. */
  limit: number;
  run: (message: M) => Promise<MessageOutcome>;
  /** Called in order, once for each message that finished with every message before it finished too. */
  onCommittable: (message: M) => Promise<void> | void;
  /** Asked before each message starts: false stops taking new ones (shutdown, partition taken away). */
  mayStart: () => boolean;
}

/**
 * Runs one partition's batch with up to `limit` messages in flight, never two of one key at once,
 * so a slow message holds up only its own key instead of the partition (and, with kafkajs, every
 * partition of the next fetch). Positions still move in partition order: a message is committable
 * only once every message before it is done, so a crash redelivers, never skips. After an aborted
 * message nothing new starts and nothing later is committed. If `run` throws, the same happens and
 * the error is rethrown once the messages in flight have settled; so is an error of `onCommittable`.
 */
export async function runKeyed<M>(messages: readonly M[], options: KeyedRunOptions<M>): Promise<MessageOutcome> {
  const lastOfKey = new Map<string | null, Promise<MessageOutcome>>();
  const done: Array<MessageOutcome | undefined> = [];
  const inFlight = new Set<Promise<MessageOutcome>>();
  let committedUpTo = 0;
  let aborted = false;
  let failure: { error: unknown } | undefined;
  // Commits are chained so they happen in order even though messages finish out of order.
  let commits = Promise.resolve();

  const advance = () => {
    while (committedUpTo < messages.length && done[committedUpTo] === 'committable') {
      const message = messages[committedUpTo++]!;
      commits = commits
        .then(() => (failure ? undefined : options.onCommittable(message)))
        // A failed commit step (kafkajs: a heartbeat answered "rebalance in progress") ends the batch like a failed message.
        .catch((error: unknown) => {
          failure ??= { error };
          aborted = true;
        });
    }
  };

  for (let index = 0; index < messages.length; index++) {
    while (inFlight.size >= options.limit) await Promise.race(inFlight);
    if (aborted || !options.mayStart()) {
      aborted = true;
      break;
    }
    const message = messages[index]!;
    const key = options.keyOf(message);
    const previous = lastOfKey.get(key);
    const step: Promise<MessageOutcome> = (async (): Promise<MessageOutcome> => {
      // A key's earlier message that was aborted means this one must not run ahead of its redelivery.
      if (previous && (await previous) === 'aborted') return 'aborted';
      if (aborted) return 'aborted';
      return options.run(message);
    })()
      .catch((error: unknown): MessageOutcome => {
        // The consume path itself failed (say, the dead-letter write): stop, and rethrow once the rest settled.
        failure ??= { error };
        return 'aborted';
      })
      .then((outcome) => {
        done[index] = outcome;
        if (outcome === 'aborted') aborted = true;
        else advance();
        inFlight.delete(step);
        if (lastOfKey.get(key) === step) lastOfKey.delete(key);
        return outcome;
      });
    lastOfKey.set(key, step);
    inFlight.add(step);
  }
  await Promise.all(inFlight);
  await commits;
  if (failure) throw failure.error;
  return aborted ? 'aborted' : 'committable';
}
