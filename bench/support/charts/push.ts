import { labelledBars } from './bars';
import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/push-<lane>[-mongo][-<n>dev][-<n>k].json this chart draws. */
interface PushResult {
  lane: 'transactional' | 'bulk';
  /** Absent in runs taken before the store could be chosen: those ran with the store in memory. */
  store?: 'memory' | 'mongo';
  pushes: number;
  users?: number;
  apns: number;
  fcm: number;
  seconds: number;
  pushesPerSecond: number;
  outcomes: Record<string, number>;
  fcmMessagesPerCall?: number;
  /** Absent in runs taken before each user could have several devices: one each. */
  devicesPerUser?: number;
  /** The push service's CPU per push; absent in runs taken before it ran in a process of its own. */
  cpuMsPerPush?: number;
  /** After the measured run, at a steady rate: written → sent. Absent in earlier runs. */
  paced?: { rate: number; p50Ms: number; p99Ms: number };
}

const storeLabel = (r: PushResult) => (r.store === 'mongo' ? 'Kafka + FerretDB' : 'store in memory');
const devices = (r: PushResult) => ((r.devicesPerUser ?? 1) > 1 ? `, ${r.devicesPerUser} devices per user` : '');
const size = (r: PushResult) => (r.pushes >= 100_000 ? `, ${formatCount(r.users ?? r.pushes)} users` : '');
const laneLabel = (r: PushResult) => `${r.lane === 'bulk' ? 'bulk lane (rate limit off)' : 'transactional lane'}, ${storeLabel(r)}${devices(r)}${size(r)}`;
const pacedText = (r: PushResult) => (r.paced ? `; at ${formatCount(r.paced.rate)}/s sent ${r.paced.p50Ms} ms (p50), ${r.paced.p99Ms} ms (p99) after written` : '');
const cpu = (r: PushResult) => (r.cpuMsPerPush === undefined ? '' : `, ${r.cpuMsPerPush} ms CPU per push`);
const perUser = (r: PushResult) => (r.users && r.users < r.pushes ? ` to ${formatCount(r.users)} users` : '');
const batching = (r: PushResult) => (r.fcmMessagesPerCall ? `, ${r.fcmMessagesPerCall} FCM messages per call` : '');

export const pushChart: ChartDefinition = {
  name: 'push',
  reads: (name) => /^push-(transactional|bulk)(-mongo)?(-\d+dev)?(-\d+k)?$/.test(name),
  spec(results) {
    // The real store first, then transactional first: the lane a user waits on.
    const rank = (r: PushResult) => (r.store === 'mongo' ? 0 : 4) + (r.lane === 'transactional' ? 0 : 1) + ((r.devicesPerUser ?? 1) > 1 || r.pushes >= 100_000 ? 2 : 0);
    const runs = results.map((r) => r.data as PushResult).sort((a, b) => rank(a) - rank(b));
    const inMemory = runs.some((r) => r.store !== 'mongo');
    return titledChart(
      `Push: notifications sent per second, one push instance${inMemory ? ' (rows marked "store in memory" are lab figures)' : ''}`,
      [
        ...runs.map((r) => `${laneLabel(r)}: ${formatCount(r.pushes)} pushes${perUser(r)} (${formatCount(r.apns)} APNs, ${formatCount(r.fcm)} FCM) in ${r.seconds} s, ${formatCount(r.outcomes.sent ?? 0)} sent${batching(r)}${pacedText(r)}`),
        machineSubtitle(runs),
      ],
      [labelledBars(runs.map((r) => ({ label: laneLabel(r), value: r.pushesPerSecond, text: `${formatCount(r.pushesPerSecond)} pushes/s${cpu(r)}` })), { valueTitle: 'pushes per second' })],
    );
  },
};
