import { stepDueAt, type Escalation, type EscalationClaim, type EscalationClaimOptions, type EscalationRepository, type EscalationSettlement, type NewEscalation } from './escalation.types';

const copy = (e: Escalation): Escalation => structuredClone(e);

export class MemoryEscalationRepository implements EscalationRepository {
  private readonly ladders = new Map<string, Escalation>();
  /** notificationId → step → when its last attempt was claimed. */
  private readonly claims = new Map<string, Map<number, Date>>();

  async startMany(escalations: readonly NewEscalation[]): Promise<number> {
    let created = 0;
    for (const e of escalations) {
      if (this.ladders.has(e.notificationId) || e.steps.length === 0) continue;
      this.ladders.set(e.notificationId, { ...structuredClone(e), next: 0, dueAt: stepDueAt(e.startedAt, e.steps[0]!) });
      created++;
    }
    return created;
  }

  async claimDue(lane: Escalation['lane'], partitions: readonly number[], now: Date, { limit, leaseMs }: EscalationClaimOptions): Promise<EscalationClaim> {
    const held = new Set(partitions);
    const due = [...this.ladders.values()]
      .filter((e) => e.dueAt && e.dueAt <= now && e.lane === lane && held.has(e.partition))
      .sort((a, b) => a.dueAt!.getTime() - b.dueAt!.getTime())
      .slice(0, limit);
    const claimed: Escalation[] = [];
    for (const e of due) {
      const steps = this.claims.get(e.notificationId) ?? new Map<number, Date>();
      const last = steps.get(e.next);
      if (last && last.getTime() > now.getTime() - leaseMs) continue;
      steps.set(e.next, now);
      this.claims.set(e.notificationId, steps);
      claimed.push(copy(e));
    }
    return { claimed, found: due.length };
  }

  async settle(settlements: readonly EscalationSettlement[], now: Date): Promise<void> {
    for (const s of settlements) {
      const e = this.ladders.get(s.notificationId);
      if (!e || e.next !== s.step || e.finishedAt) continue;
      if ('nextDueAt' in s) {
        e.next = s.step + 1;
        e.dueAt = s.nextDueAt;
      } else {
        e.next = e.steps.length;
        delete e.dueAt;
        e.finishedAt = now;
        e.end = s.end;
      }
    }
  }

  async get(notificationId: string): Promise<Escalation | null> {
    const e = this.ladders.get(notificationId);
    return e ? copy(e) : null;
  }

  async pending(): Promise<number> {
    return [...this.ladders.values()].filter((e) => !e.finishedAt).length;
  }

  async sweepFinishedBefore(before: Date): Promise<number> {
    let removed = 0;
    for (const [id, e] of this.ladders) {
      if (e.finishedAt && e.finishedAt < before) {
        this.ladders.delete(id);
        this.claims.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
