import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { machineSubtitle } from './machine';
import type { PanelSpec } from './spec-types';
import { titledChart } from './titled-chart';

/** The fields of bench/results/soak[-distributed][-mongo][-<rate>].json this chart draws. */
interface SoakResult {
  layout: 'embedded' | 'distributed';
  store: string;
  clients: number;
  rate: number;
  seconds: number;
  samples: Array<{ second: number; p50: number | null; p99: number | null; databaseMiB?: number; documents?: number }>;
}

/** One line per series over the soak's seconds. */
function overTime(points: Array<{ second: number; value: number; series: string }>, valueTitle: string): PanelSpec {
  return {
    width: 640,
    height: 200,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'second', type: 'quantitative', title: 'seconds into the soak' },
      y: { field: 'value', type: 'quantitative', title: valueTitle, scale: { zero: true } },
      color: { field: 'series', type: 'nominal', title: null },
    },
    data: { values: points },
  } as PanelSpec;
}

export const soakChart: ChartDefinition = {
  name: 'soak',
  reads: (name) => /^soak(-distributed)?(-mongo)?(-\d+)?$/.test(name),
  spec(results) {
    const runs = results.map((r) => r.data as SoakResult);
    // Runs differ by their rate; their setups are named in the subtitle.
    const rateOf = (r: SoakResult) => `${formatCount(r.rate)} events/s`;
    const setup = (r: SoakResult) => `${r.layout === 'distributed' ? 'each service its own process' : 'one process'}, store ${r.store.startsWith('in memory') ? 'in memory (lab figure)' : `on ${r.store}`}`;
    const latency = runs.flatMap((r) =>
      r.samples.flatMap((s) => [
        ...(s.p50 === null ? [] : [{ second: s.second, value: s.p50, series: `p50 at ${rateOf(r)}` }]),
        ...(s.p99 === null ? [] : [{ second: s.second, value: s.p99, series: `p99 at ${rateOf(r)}` }]),
      ]),
    );
    const size = runs.flatMap((r) => r.samples.flatMap((s) => (s.databaseMiB === undefined ? [] : [{ second: s.second, value: s.databaseMiB, series: `database size at ${rateOf(r)}` }])));
    const documents = runs.flatMap((r) => r.samples.flatMap((s) => (s.documents === undefined ? [] : [{ second: s.second, value: s.documents, series: `live documents at ${rateOf(r)}` }])));
    return titledChart(
      'Soak: latency and database size over time, retention on',
      [
        runs.map((r) => `${formatCount(r.rate)} transactional events/s for ${formatCount(r.seconds)} s to ${formatCount(r.clients)} connected users (${setup(r)})`).join('; '),
        'Retention windows of one minute, sweeps every 10 s: documents level off only if the sweeps delete as fast as the product writes (PostgreSQL reuses the space of deleted rows rather than giving it back)',
        machineSubtitle(runs),
      ],
      [
        overTime(latency, 'event written → socket (ms)'),
        ...(size.length > 0 ? [overTime(size, 'database size (MiB, data and indexes)'), overTime(documents, 'live documents in the database')] : []),
      ],
    );
  },
};
