import type { DeadLetterAction, DeadLetterActionRepository } from './dead-letter-action.types';

export class MemoryDeadLetterActionRepository implements DeadLetterActionRepository {
  private readonly byLetter = new Map<string, DeadLetterAction & { order: number }>();
  private order = 0;

  async claim(actions: readonly DeadLetterAction[]): Promise<string[]> {
    const claimed: string[] = [];
    for (const action of actions) {
      if (this.byLetter.has(action.letterId)) continue;
      this.byLetter.set(action.letterId, { ...structuredClone(action), order: this.order++ });
      claimed.push(action.letterId);
    }
    return claimed;
  }

  async release(letterIds: readonly string[]): Promise<void> {
    for (const id of letterIds) this.byLetter.delete(id);
  }

  async handled(letterIds: readonly string[]): Promise<Map<string, DeadLetterAction>> {
    const found = new Map<string, DeadLetterAction>();
    for (const id of letterIds) {
      const entry = this.byLetter.get(id);
      if (entry) found.set(id, strip(entry));
    }
    return found;
  }

  async recent(limit: number): Promise<DeadLetterAction[]> {
    return [...this.byLetter.values()]
      .sort((a, b) => b.at.getTime() - a.at.getTime() || b.order - a.order)
      .slice(0, limit)
      .map(strip);
  }

  async sweepOlderThan(cutoff: Date): Promise<number> {
    let removed = 0;
    for (const [id, entry] of this.byLetter) if (entry.at < cutoff && this.byLetter.delete(id)) removed++;
    return removed;
  }
}

function strip({ order: _order, ...action }: DeadLetterAction & { order: number }): DeadLetterAction {
  return structuredClone(action);
}
