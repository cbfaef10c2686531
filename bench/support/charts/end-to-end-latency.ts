import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { latencyBars, latencyBarsOf, type Percentile } from './latency-bars';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/end-to-end-latency[-no-lanes].json this chart draws. */
interface EndToEndResult {
  lanes: boolean;
  clients: number;
  flood: number;
  results: { label: string; rate: number; sent: number; received: number; p50: number; p95: number; p99: number }[];
}

const percentiles: Percentile[] = ['p50', 'p95', 'p99'];
const withLanes = 'with lanes';
const withoutLanes = 'without lanes (one FIFO topic)';

const runLabel = (run: EndToEndResult['results'][number], flood: number) => {
  const when = run.label === 'steady' ? 'steady' : run.label === 'under the marketing flood' ? `during a ${formatCount(flood)}-event marketing flood` : run.label;
  const lost = run.received < run.sent ? `, ${formatCount(run.received)} of ${formatCount(run.sent)} arrived` : '';
  return `${formatCount(run.rate)} events/s, ${when}${lost}`;
};

export const endToEndLatencyChart: ChartDefinition = {
  name: 'end-to-end-latency',
  reads: (name) => name === 'end-to-end-latency' || name === 'end-to-end-latency-no-lanes',
  spec(results) {
    const setups = results.map((r) => r.data as EndToEndResult).sort((a, b) => Number(b.lanes) - Number(a.lanes));
    const bars = setups.flatMap((s) => s.results.flatMap((run) => latencyBarsOf(runLabel(run, s.flood), run, percentiles, s.lanes ? withLanes : withoutLanes)));
    const panels = [withLanes, withoutLanes].filter((p) => bars.some((b) => b.panel === p));
    return titledChart(
      'End-to-end latency: event written to Kafka → the user’s socket',
      [
        `The whole product in one process, ${[...new Set(setups.map((s) => formatCount(s.clients)))].join(' and ')} clients connected; transactional events to random connected users`,
        'With lanes the marketing flood has its own intake topic; without, it is queued in the same topic as the transactional events',
        machineSubtitle(setups),
      ],
      [latencyBars(bars, percentiles, { panels, width: 380 })],
    );
  },
};
