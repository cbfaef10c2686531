import { labelledBars } from './bars';
import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/push-<lane>.json this chart draws. */
interface PushResult {
  lane: 'transactional' | 'bulk';
  pushes: number;
  apns: number;
  fcm: number;
  seconds: number;
  pushesPerSecond: number;
  outcomes: Record<string, number>;
  fcmMessagesPerCall?: number;
}

const laneLabel = (r: PushResult) => (r.lane === 'bulk' ? 'bulk lane (rate limit off)' : 'transactional lane');
const batching = (r: PushResult) => (r.fcmMessagesPerCall ? `, ${r.fcmMessagesPerCall} FCM messages per call` : '');

export const pushChart: ChartDefinition = {
  name: 'push',
  reads: (name) => name === 'push-transactional' || name === 'push-bulk',
  spec(results) {
    // Transactional first: the lane a user waits on.
    const runs = results.map((r) => r.data as PushResult).sort((a, b) => (a.lane === b.lane ? 0 : a.lane === 'transactional' ? -1 : 1));
    return titledChart(
      'Push: notifications sent per second, one push instance',
      [
        ...runs.map((r) => `${laneLabel(r)}: ${formatCount(r.pushes)} pushes (${formatCount(r.apns)} APNs, ${formatCount(r.fcm)} FCM) in ${r.seconds} s, ${formatCount(r.outcomes.sent ?? 0)} sent${batching(r)}`),
        machineSubtitle(runs),
      ],
      [labelledBars(runs.map((r) => ({ label: laneLabel(r), value: r.pushesPerSecond, text: `${formatCount(r.pushesPerSecond)} pushes/s` })), { valueTitle: 'pushes per second' })],
    );
  },
};
