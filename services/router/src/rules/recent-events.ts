import type { NotifyEvent } from '@notify/contracts';

/**
 * The last events routed, per type, for trying a rule on real traffic (the console's dry run).
 * Bounded twice: `perType` events of each type, and the `types` most recently seen types.
 */
export class RecentEvents {
  private readonly byType = new Map<string, NotifyEvent[]>();

  constructor(
    private readonly perType = 20,
    private readonly types = 200,
  ) {}

  add(event: NotifyEvent): void {
    const list = this.byType.get(event.type) ?? [];
    // Re-inserted so the Map's order is the order types were last seen: the first is the one to drop.
    this.byType.delete(event.type);
    this.byType.set(event.type, [event, ...list.filter((e) => e.id !== event.id)].slice(0, this.perType));
    if (this.byType.size > this.types) this.byType.delete(this.byType.keys().next().value!);
  }

  /** The latest events of a type, newest first. */
  of(type: string): NotifyEvent[] {
    return this.byType.get(type) ?? [];
  }

  /** The types held, most recently seen first. */
  knownTypes(): string[] {
    return [...this.byType.keys()].reverse();
  }
}
