import { allTopics, topics, type TopicSpec } from '@notify/contracts';

/** A topic as the lanes view shows it: which lane it carries, and whether its consumers are background ones. */
export interface LaneTopic {
  spec: TopicSpec<unknown>;
  lane: string;
  /** Its consumers only get the CPU urgent ones leave: its lag is the background backlog. */
  background: boolean;
}

const named: LaneTopic[] = [
  { spec: topics.notifyEvents, lane: 'intake', background: false },
  { spec: topics.notifyEventsBulk, lane: 'intake (bulk)', background: true },
  { spec: topics.deliverInapp, lane: 'in-app', background: false },
  { spec: topics.deliverPushTransactional, lane: 'push', background: false },
  { spec: topics.deliverPushBulk, lane: 'push (bulk)', background: true },
  { spec: topics.deliveryStatus, lane: 'status trail', background: true },
  { spec: topics.notifyDlq, lane: 'dead letters', background: false },
];

/** The lanes first, in the order a notification travels them, then every other topic of the catalogue. */
export const laneTopics: readonly LaneTopic[] = [
  ...named,
  ...allTopics.filter((spec) => !named.some((n) => n.spec.name === spec.name)).map((spec) => ({ spec, lane: 'state & changes', background: false })),
];
