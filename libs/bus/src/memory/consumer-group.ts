import type { PartitionLog } from './partition-log';

/** A member the group can hand partitions to. */
export interface GroupMember {
  assign(partitions: number[]): void;
}

/**
 * Committed positions and partition ownership for one (topic, group id), like Kafka's group coordinator.
 * Partitions are spread over members in join order; every change of membership is a rebalance.
 */
export class ConsumerGroup {
  readonly positions: number[];
  private readonly members: GroupMember[] = [];
  private readonly owners: Array<GroupMember | undefined>;
  /** Per partition, the previous owner's message in hand; a new owner starts only after it settles. */
  readonly handoff: Array<Promise<unknown>>;

  constructor(
    readonly logs: readonly PartitionLog[],
    startAtEnd: boolean,
  ) {
    // From the beginning means from the first record still held: what every group had read may be gone.
    this.positions = logs.map((log) => (startAtEnd ? log.end : log.start));
    logs.forEach((log, partition) => log.addReader(() => this.positions[partition]!));
    this.owners = logs.map(() => undefined);
    this.handoff = logs.map(() => Promise.resolve());
  }

  /** Commits a position; the partition may then drop what every group has read. */
  commit(partition: number, offset: number): void {
    this.positions[partition] = offset;
    this.logs[partition]!.released();
  }

  join(member: GroupMember): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    this.rebalance();
  }

  /** Members now in the group. */
  get memberCount(): number {
    return this.members.length;
  }

  owns(member: GroupMember, partition: number): boolean {
    return this.owners[partition] === member;
  }

  /** A crashed member's in-flight work is abandoned, not awaited: like a session timeout, without the wait. */
  forgetHandoffs(partitions: number[]): void {
    for (const p of partitions) this.handoff[p] = Promise.resolve();
  }

  private rebalance(): void {
    const assignment = new Map<GroupMember, number[]>(this.members.map((m) => [m, []]));
    this.logs.forEach((_, partition) => {
      const owner = this.members[partition % Math.max(1, this.members.length)];
      this.owners[partition] = owner;
      if (owner) assignment.get(owner)!.push(partition);
    });
    for (const [member, partitions] of assignment) member.assign(partitions);
  }
}
