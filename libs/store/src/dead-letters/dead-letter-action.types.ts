/** What ops did with a dead letter: sent its original bytes back to their topic, or set it aside for good. */
export type DeadLetterActionKind = 'replay' | 'discard';

/**
 * One letter handled by one action. A letter is handled once: the first action to claim it wins, so
 * two people replaying the same letter at once send it back once.
 */
export interface DeadLetterAction {
  /** The letter: its place on the dead-letter topic, `partition:offset`. */
  letterId: string;
  /** Letters handled together share it: one action of one person over many letters. */
  actionId: string;
  action: DeadLetterActionKind;
  /** Who did it (the admin token's name). */
  actor: string;
  at: Date;
  /** What the letter was, so the action log reads on its own once the letter left the topic. */
  reason: string;
  sourceTopic: string;
}

export interface DeadLetterActionRepository {
  /** Claims each letter for its action; answers the letter ids this call claimed (the others were handled before). */
  claim(actions: readonly DeadLetterAction[]): Promise<string[]>;
  /** Gives letters back (their action could not be carried out), so they are open again. */
  release(letterIds: readonly string[]): Promise<void>;
  /** The action that handled each of these letters, for those handled. */
  handled(letterIds: readonly string[]): Promise<Map<string, DeadLetterAction>>;
  /** The most recent handled letters, newest first (the action log). */
  recent(limit: number): Promise<DeadLetterAction[]>;
  sweepOlderThan(cutoff: Date): Promise<number>;
}
