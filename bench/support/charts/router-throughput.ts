import { labelledBars } from './bars';
import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/router-throughput[-real].json this chart draws. */
interface RouterThroughputResult {
  transport: string;
  events: number;
  users: number;
  eventsPerSecond: number;
}

export const routerThroughputChart: ChartDefinition = {
  name: 'router-throughput',
  reads: (name) => name === 'router-throughput' || name === 'router-throughput-real',
  spec(results) {
    // In name order the in-process run comes first: the cost of routing itself, then the real infrastructure.
    const runs = results.map((r) => r.data as RouterThroughputResult);
    return titledChart(
      'Router throughput: events routed per second, one router instance',
      ['notify.events → deliver.inapp: rules, presence, preferences and deduplication for each event', machineSubtitle(runs)],
      [
        labelledBars(
          runs.map((r) => ({ label: r.transport, value: r.eventsPerSecond, text: `${formatCount(r.eventsPerSecond)} events/s (${formatCount(r.events)} events)` })),
          { valueTitle: 'events routed per second' },
        ),
      ],
    );
  },
};
