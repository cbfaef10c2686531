import type { Notification } from '@notify/contracts';

/** One rung of a ladder: unless the notification reached `unless` within `afterMs` of routing, escalate `to`. */
export interface EscalationStep {
  afterMs: number;
  unless: 'read' | 'delivered';
  to: 'push' | 'webhook';
}

/** Why a ladder stopped: the user got there first (read or delivered), it expired, or every step was taken. */
export type EscalationEnd = 'read' | 'delivered' | 'expired' | 'completed';

/**
 * A notification's escalation ladder, kept until its last step is taken or the user reads it. It is
 * swept by the router that owns the intake partition the event came from (`lane`, `partition`),
 * so it outlives the router that started it and is never taken twice by two owners.
 */
export interface Escalation {
  notificationId: string;
  userId: string;
  /** The intake lane (consumer group) and partition whose owner sweeps this ladder. */
  lane: 'default' | 'bulk';
  partition: number;
  ruleId: string | null;
  steps: EscalationStep[];
  /** When the notification was routed: each step's `afterMs` counts from here. */
  startedAt: Date;
  /** The index of the next step to take; `steps.length` once finished. */
  next: number;
  /** When the next step is due; absent once finished. */
  dueAt?: Date;
  finishedAt?: Date;
  end?: EscalationEnd;
  /** The notification as routed in-app: what the push carries and what the webhook receiver gets. */
  notification: Notification;
}

export type NewEscalation = Pick<Escalation, 'notificationId' | 'userId' | 'lane' | 'partition' | 'ruleId' | 'steps' | 'startedAt' | 'notification'>;

export interface EscalationClaimOptions {
  /** Due ladders looked at, at most, per call. */
  limit: number;
  /** A step claimed this long ago and not settled (its claimer died in between) may be claimed again. */
  leaseMs: number;
}

export interface EscalationClaim {
  /** Due and now the caller's: it checks the notification's state, takes or skips the step, then `settle`s. */
  claimed: Escalation[];
  /** Due ladders looked at (up to the limit), whoever holds them: fewer than the limit means none is left. */
  found: number;
}

/** What became of the step a caller claimed: the ladder moves to the next step, or ends. */
export type EscalationSettlement = { notificationId: string; step: number } & ({ nextDueAt: Date } | { end: EscalationEnd });

/**
 * Escalation ladders with their due times, durable across restarts. Claiming a due step is an insert
 * against a unique key (ladder, step, attempt), so of two routers that both believe they own a
 * partition during a rebalance only one takes it; a claim not settled within its lease (its router
 * died) is taken again by the next attempt.
 */
export interface EscalationRepository {
  /** Idempotent on notificationId: a redelivered event starts no second ladder, and never restarts a finished one. How many were new. */
  startMany(escalations: readonly NewEscalation[]): Promise<number>;
  /** The due ladders of these partitions of a lane, earliest first, each claimed for one caller only. */
  claimDue(lane: Escalation['lane'], partitions: readonly number[], now: Date, options: EscalationClaimOptions): Promise<EscalationClaim>;
  /** Records what the claimers did with their steps; a settlement for a step the ladder has left changes nothing. */
  settle(settlements: readonly EscalationSettlement[], now: Date): Promise<void>;
  get(notificationId: string): Promise<Escalation | null>;
  /** Ladders waiting for a step (not finished): a gauge. */
  pending(): Promise<number>;
  /** Deletes ladders that finished before `before`, with their claims. */
  sweepFinishedBefore(before: Date): Promise<number>;
}

/** When a ladder's step is due: `afterMs` after routing. */
export const stepDueAt = (startedAt: Date, step: EscalationStep): Date => new Date(startedAt.getTime() + step.afterMs);
