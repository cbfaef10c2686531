import type { DigestsWaiting } from '@notify/store';
import type { LaneTopic } from './lane-topics';
import { lagOf, type OffsetHistory, type OffsetSample } from './offset-history';
import type { LatencySummary } from './routed-to-socket';

export interface GroupReport {
  groupId: string;
  /** Consumers in the group now: 0 means nobody reads this topic for it. */
  members: number;
  /** Messages written and not yet committed by the group; null when it keeps no position. */
  lag: number | null;
  consumedPerSec: number | null;
}

export interface TopicReport {
  topic: string;
  lane: string;
  background: boolean;
  /** Messages ever written (the sum of the partitions' end offsets). */
  written: number;
  writtenPerSec: number | null;
  groups: GroupReport[];
}

export interface LanesReport {
  transport: 'kafka' | 'memory';
  sampledAt: string;
  sampleEveryMs: number;
  /** The span rates are measured over: up to a minute, less right after start. */
  rateWindowMs: number;
  topics: TopicReport[];
  background: {
    /** The lag of the background topics' groups (bulk intake, bulk push, status trail), summed. */
    backlog: number;
    /** This process's background messages fetched and waiting for a turn on the CPU. */
    waitingForCpu: number;
  };
  routedToSocket: LatencySummary & { scope: string };
  digests: DigestsWaiting & { nextDueAt: string | null };
  /** What this mode cannot tell, or tells only in part. */
  notes: string[];
}

export interface LanesReportInput {
  transport: 'kafka' | 'memory';
  lanes: readonly LaneTopic[];
  sample: OffsetSample;
  history: OffsetHistory;
  sampleEveryMs: number;
  rateWindowMs: number;
  latency: LatencySummary;
  digests: DigestsWaiting;
  backgroundWaiting: number;
  now: Date;
}

/** Lag, throughput and backlog per lane and topic from one sample and the history before it. */
export function lanesReport(input: LanesReportInput): LanesReport {
  const { sample, history, rateWindowMs } = input;
  const topicReports = input.lanes.flatMap(({ spec, lane, background }): TopicReport[] => {
    const positions = sample.topics.get(spec.name);
    if (!positions) return [];
    return [
      {
        topic: spec.name,
        lane,
        background,
        written: positions.ends.reduce((a, b) => a + b, 0),
        writtenPerSec: history.writtenPerSec(spec.name, rateWindowMs),
        groups: positions.groups.map((g) => ({ groupId: g.groupId, members: g.members, lag: lagOf(positions.ends, g.committed), consumedPerSec: history.consumedPerSec(spec.name, g.groupId, rateWindowMs) })),
      },
    ];
  });
  const backlog = topicReports.filter((t) => t.background).reduce((total, t) => total + t.groups.reduce((sum, g) => sum + (g.lag ?? 0), 0), 0);
  // A full bucket is due at once; otherwise the earliest window end.
  const nextDueAt = input.digests.full > 0 ? input.now : input.digests.nextFlushAt;
  const notes =
    input.transport === 'kafka'
      ? [
          'routed → socket is measured by this router from the delivery.status partitions it consumes: with several routers, each reports its share.',
          'A group that keeps no committed position (a process’s own view of a topic) has no lag to report.',
        ]
      : ['In-process bus: positions and groups are this process’s own; nothing survives a restart.'];
  return {
    transport: input.transport,
    sampledAt: new Date(sample.at).toISOString(),
    sampleEveryMs: input.sampleEveryMs,
    rateWindowMs,
    topics: topicReports,
    background: { backlog, waitingForCpu: input.backgroundWaiting },
    routedToSocket: { ...input.latency, scope: input.transport === 'kafka' ? 'this router' : 'this process' },
    digests: { ...input.digests, nextDueAt: nextDueAt ? nextDueAt.toISOString() : null },
    notes,
  };
}
