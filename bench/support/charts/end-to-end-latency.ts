import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { latencyBars, latencyBarsOf, type Percentile } from './latency-bars';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/end-to-end-latency[-no-lanes][-distributed].json this chart draws. */
interface EndToEndResult {
  lanes: boolean;
  /** Absent in results taken before the distributed layout existed: those ran embedded. */
  layout?: 'embedded' | 'distributed';
  /** Absent in results taken before the real store was measured: those kept it in memory. */
  store?: string;
  clients: number;
  flood: number;
  results: { label: string; rate: number; sent: number; received: number; p50: number; p95: number; p99: number }[];
}

const percentiles: Percentile[] = ['p50', 'p95', 'p99'];
/** One panel per setup: the real store first (the headline), then the lab figures with the store in memory. */
const onMongo = (s: EndToEndResult) => s.store !== undefined && !s.store.startsWith('in memory');
const layoutOf = (s: EndToEndResult) => (s.layout === 'distributed' ? 'a process per service' : s.lanes ? 'one process' : 'one process, no lanes');
const panelOf = (s: EndToEndResult) => `${onMongo(s) ? 'real store' : 'store in memory (lab)'}, ${layoutOf(s)}`;
const layoutOrder = ['a process per service', 'one process', 'one process, no lanes'];

const runLabel = (run: EndToEndResult['results'][number], flood: number) => {
  const when = run.label === 'steady' ? 'steady' : run.label === 'under the marketing flood' ? `during a ${formatCount(flood)}-event marketing flood` : run.label;
  const lost = run.received < run.sent ? `, ${formatCount(run.received)} of ${formatCount(run.sent)} arrived` : '';
  return `${formatCount(run.rate)} events/s, ${when}${lost}`;
};

export const endToEndLatencyChart: ChartDefinition = {
  name: 'end-to-end-latency',
  reads: (name) => /^end-to-end-latency(-no-lanes)?(-distributed)?(-mongo)?$/.test(name),
  spec(results) {
    const setups = results.map((r) => r.data as EndToEndResult);
    const ordered = [...setups].sort((a, b) => Number(onMongo(b)) - Number(onMongo(a)) || layoutOrder.indexOf(layoutOf(a)) - layoutOrder.indexOf(layoutOf(b)));
    const bars = ordered.flatMap((s) => s.results.flatMap((run) => latencyBarsOf(runLabel(run, s.flood), run, percentiles, panelOf(s))));
    const panels = [...new Set(ordered.map(panelOf))].filter((p) => bars.some((b) => b.panel === p));
    return titledChart(
      'End-to-end latency: event written to Kafka → the user’s socket',
      [
        `${[...new Set(setups.map((s) => formatCount(s.clients)))].join(' and ')} clients connected; transactional events to random connected users; the product in one process, or each service in its own`,
        'With lanes the marketing flood has its own intake topic; without, it is queued in the same topic as the transactional events',
        `Real store: ${[...new Set(setups.filter(onMongo).map((s) => s.store))].join(', ') || 'none in these results'}, with Kafka, on the same 2 cores; lab: every store in memory`,
        machineSubtitle(setups),
      ],
      [latencyBars(bars, percentiles, { panels, width: 380 })],
    );
  },
};
