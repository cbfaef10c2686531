import type { ChartDefinition } from './definition';
import { labelledBars } from './bars';
import { formatBytes, formatCount } from './format';
import { latencyBars, latencyBarsOf, type Percentile } from './latency-bars';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/transports.json this chart draws. */
interface TransportsResult {
  transports: {
    transport: string;
    sent: number;
    received: number;
    latency: { p50: number; p95: number; p99: number; max: number };
    bytesPerNotification: number;
    idle: { requestsPerMinute: number; bytesPerMinute: number };
  }[];
}

const percentiles: Percentile[] = ['p50', 'p95', 'p99', 'max'];
const panelWidth = 220;

export const transportsChart: ChartDefinition = {
  name: 'transports',
  reads: (name) => name === 'transports',
  spec(results) {
    const runs = results.map((r) => r.data as TransportsResult);
    const transports = runs.flatMap((r) => r.transports);
    const latency = transports.flatMap((t) => {
      const lost = t.received < t.sent ? ` (${formatCount(t.received)} of ${formatCount(t.sent)} arrived)` : '';
      return latencyBarsOf(`${t.transport}${lost}`, t.latency, percentiles);
    });
    return titledChart(
      'Transports: latency, bytes on the wire and idle cost per client transport',
      [machineSubtitle(runs)],
      [
        latencyBars(latency, percentiles, { title: 'Latency, notification sent → received', width: 700 }),
        {
          hconcat: [
            labelledBars(
              transports.map((t) => ({ label: t.transport, value: t.bytesPerNotification, text: formatBytes(t.bytesPerNotification) })),
              { title: 'Bytes on the wire per notification', valueTitle: 'bytes per notification', width: panelWidth },
            ),
            labelledBars(
              transports.map((t) => ({ label: t.transport, value: t.idle.requestsPerMinute, text: formatCount(t.idle.requestsPerMinute) })),
              { title: 'Idle: requests per minute', valueTitle: 'requests per minute, idle client', width: panelWidth },
            ),
            labelledBars(
              transports.map((t) => ({ label: t.transport, value: t.idle.bytesPerMinute, text: formatBytes(t.idle.bytesPerMinute) })),
              { title: 'Idle: bytes per minute', valueTitle: 'bytes per minute, idle client', width: panelWidth },
            ),
          ],
        },
      ],
    );
  },
};
