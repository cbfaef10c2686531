import { labelledBars } from './bars';
import type { ChartDefinition } from './definition';
import { formatBytes, formatCount } from './format';
import { latencyBars, latencyBarsOf, type Percentile } from './latency-bars';
import { machineSubtitle } from './machine';
import type { PanelSpec } from './spec-types';
import { titledChart } from './titled-chart';

/** The fields of bench/results/gateway-<connections>[-mongo].json this chart draws. */
interface GatewayResult {
  store: string;
  connections: number;
  memoryPerConnection: { rssBytes: number; heapBytes: number };
  latency: { rate: number; sent: number; received: number; p50: number; p95: number; p99: number }[];
  /** Written all at once: what the gateway stores and delivers per second at its limit (runs from 2026-12-01 on). */
  flood?: { notifications: number; received: number; perSecond: number };
  /** One notification for each user at once, right after they connected: each user's first since the gateway started. */
  firstPerUser?: { notifications: number; received: number; perSecond: number };
}

const percentiles: Percentile[] = ['p50', 'p95', 'p99'];

const memoryColours = { 'resident memory (RSS)': '#4c78a8', 'JavaScript heap': '#f58518' };

/** Runs before 2026-12-01 had FerretDB on SQLite, and said only "FerretDB". */
const storeOf = (store: string) => (store === 'in-process' ? 'in memory' : store.includes('PostgreSQL') ? 'on FerretDB (PostgreSQL)' : 'on FerretDB (SQLite)');
const setupOf = (r: GatewayResult) => `${formatCount(r.connections)} connections, inbox ${storeOf(r.store)}`;

/** In-memory runs first, fewest connections first: the gateway's own cost before the database's. */
const bySetup = (a: GatewayResult, b: GatewayResult) => Number(a.store !== 'in-process') - Number(b.store !== 'in-process') || a.connections - b.connections;

function memoryPerConnection(runs: readonly GatewayResult[]): PanelSpec {
  const values = runs.flatMap((r) =>
    Object.entries({ 'resident memory (RSS)': r.memoryPerConnection.rssBytes, 'JavaScript heap': r.memoryPerConnection.heapBytes }).map(([kind, bytes]) => ({
      setup: setupOf(r),
      kind,
      kibibytes: bytes / 1024,
      text: formatBytes(bytes),
    })),
  );
  return {
    title: 'Memory per connection, after a forced garbage collection',
    data: { values },
    width: 520,
    // The step is one bar's: with an offset channel vega-lite sizes each band from it.
    height: { step: 18 },
    encoding: {
      y: { field: 'setup', type: 'nominal', sort: null, title: null },
      yOffset: { field: 'kind', type: 'nominal', sort: Object.keys(memoryColours) },
      x: { field: 'kibibytes', type: 'quantitative', title: 'memory per connection, KiB' },
      color: {
        field: 'kind',
        type: 'nominal',
        scale: { domain: Object.keys(memoryColours), range: Object.values(memoryColours) },
        legend: { title: null, orient: 'top', direction: 'horizontal' },
      },
    },
    layer: [
      { mark: { type: 'bar', height: { band: 0.85 } } },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 10 },
        encoding: { yOffset: { field: 'kind', type: 'nominal', sort: Object.keys(memoryColours), bandPosition: 0.5 }, text: { field: 'text' }, color: { value: '#333333' } },
      },
    ],
  };
}

export const gatewayChart: ChartDefinition = {
  name: 'gateway',
  reads: (name) => /^gateway-\d+(-mongo)?$/.test(name),
  spec(results) {
    const runs = results.map((r) => r.data as GatewayResult).sort(bySetup);
    const latency = runs.flatMap((r) =>
      r.latency.flatMap((l) => {
        const lost = l.received < l.sent ? `, ${formatCount(l.received)} of ${formatCount(l.sent)} arrived` : '';
        return latencyBarsOf(`${setupOf(r)}: ${formatCount(l.rate)} notifications/s${lost}`, l, percentiles);
      }),
    );
    const flooded = runs.filter((r) => r.flood);
    const throughput = labelledBars(
      flooded.flatMap((r) => [
        ...(r.firstPerUser
          ? [{ label: `${setupOf(r)}: each user's first`, value: r.firstPerUser.perSecond, text: `${formatCount(r.firstPerUser.perSecond)}/s (${formatCount(r.firstPerUser.received)} of ${formatCount(r.firstPerUser.notifications)}, one per user)` }]
          : []),
        {
          label: `${setupOf(r)}: flood`,
          value: r.flood!.perSecond,
          text: `${formatCount(r.flood!.perSecond)}/s (${formatCount(r.flood!.received)} of ${formatCount(r.flood!.notifications)} written at once)`,
        },
      ]),
      { valueTitle: 'notifications stored and delivered per second', title: 'Throughput: notifications written to deliver.inapp at once, stored in the inbox and received by the clients' },
    );
    return titledChart(
      'Gateway: delivery latency, throughput and memory per connection, one gateway process',
      ['Latency: notification written to deliver.inapp on Kafka → received by the client over WebSocket', machineSubtitle(runs)],
      [latencyBars(latency, percentiles, { title: 'Delivery latency by rate and connection count' }), ...(flooded.length > 0 ? [throughput] : []), memoryPerConnection(runs)],
    );
  },
};
