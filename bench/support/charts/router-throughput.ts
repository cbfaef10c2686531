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

/** A run with the store in memory is a lab figure: its label says so. */
const labelOf = (r: RouterThroughputResult) => (r.transport.includes('in-memory') && !r.transport.includes('lab figure') ? `${r.transport} (lab figure)` : r.transport);

export const routerThroughputChart: ChartDefinition = {
  name: 'router-throughput',
  reads: (name) => name === 'router-throughput' || name === 'router-throughput-real',
  spec(results) {
    // The real store first: the headline; then the in-process run, the cost of routing itself.
    const runs = results.map((r) => r.data as RouterThroughputResult).sort((a, b) => Number(labelOf(a).includes('lab figure')) - Number(labelOf(b).includes('lab figure')));
    return titledChart(
      'Router throughput: events routed per second, one router instance',
      ['notify.events → deliver.inapp: rules, presence, preferences and deduplication for each event', machineSubtitle(runs)],
      [
        labelledBars(
          runs.map((r) => ({ label: labelOf(r), value: r.eventsPerSecond, text: `${formatCount(r.eventsPerSecond)} events/s (${formatCount(r.events)} events)` })),
          { valueTitle: 'events routed per second' },
        ),
      ],
    );
  },
};
