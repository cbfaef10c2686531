import { formatMilliseconds } from './format';
import type { PanelSpec } from './spec-types';
import { percentileColours } from './theme';

export type Percentile = keyof typeof percentileColours;

/** One percentile of one measured run; `panel` puts runs in side-by-side panels when set. */
export interface LatencyBar {
  group: string;
  panel?: string;
  percentile: Percentile;
  milliseconds: number;
  /** What the log scale draws: a log axis has no zero, and a 0 ms reading is below the clock's resolution anyway. */
  plotted: number;
  text: string;
}

/** The bars of one run: one per percentile it recorded (a run where nothing arrived has null percentiles). */
export function latencyBarsOf(group: string, measured: Partial<Record<Percentile, number | null>>, percentiles: readonly Percentile[], panel?: string): LatencyBar[] {
  return percentiles.flatMap((percentile) => {
    const milliseconds = measured[percentile];
    if (milliseconds === undefined || milliseconds === null || !Number.isFinite(milliseconds)) return [];
    return [{ group, ...(panel === undefined ? {} : { panel }), percentile, milliseconds, plotted: Math.max(milliseconds, 1), text: formatMilliseconds(milliseconds) }];
  });
}

/** Powers of ten from 1 ms (no bar is drawn shorter) to above the slowest bar: the log axis's ticks and its domain. */
function decades(bars: readonly LatencyBar[]): number[] {
  const highest = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...bars.map((b) => b.plotted)))));
  return Array.from({ length: highest + 1 }, (_, i) => 10 ** i);
}

/**
 * Latency percentiles as grouped horizontal bars on a log scale: runs that differ a hundredfold
 * (3 ms against 5 s) stay readable side by side, and each bar prints its value. With `panels`,
 * runs are split by their `panel` into side-by-side panels that share the scale.
 */
export function latencyBars(
  bars: readonly LatencyBar[],
  percentiles: readonly Percentile[],
  options: { title?: string; width?: number; panels?: readonly string[] } = {},
): PanelSpec {
  const ticks = decades(bars);
  const layered: PanelSpec = {
    width: options.width ?? 520,
    // The step is one bar's: with an offset channel vega-lite sizes each band from it.
    height: { step: 15 },
    encoding: {
      y: { field: 'group', type: 'nominal', sort: null, title: null },
      yOffset: { field: 'percentile', type: 'nominal', sort: [...percentiles] },
      x: {
        field: 'plotted',
        type: 'quantitative',
        title: 'latency (log scale)',
        scale: { type: 'log', domain: [ticks[0]!, ticks.at(-1)!] },
        axis: { values: ticks, labelExpr: "datum.value >= 1000 ? format(datum.value / 1000, ',') + ' s' : datum.value + ' ms'" },
      },
      color: {
        field: 'percentile',
        type: 'nominal',
        sort: [...percentiles],
        scale: { domain: [...percentiles], range: percentiles.map((p) => percentileColours[p]) },
        legend: { title: 'percentile', orient: 'top', direction: 'horizontal' },
      },
    },
    layer: [
      // A bar on a log scale cannot start at zero: it starts at the axis's first tick.
      { mark: { type: 'bar', height: { band: 0.85 } }, encoding: { x2: { datum: ticks[0]! } } },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 10 },
        encoding: { yOffset: { field: 'percentile', type: 'nominal', sort: [...percentiles], bandPosition: 0.5 }, text: { field: 'text' }, color: { value: '#333333' } },
      },
    ],
  };
  const title = options.title ? { title: options.title } : {};
  const data = { values: [...bars] };
  if (!options.panels) return { ...title, data, ...layered };
  return { ...title, data, facet: { column: { field: 'panel', type: 'nominal', sort: [...options.panels], title: null } }, spec: layered };
}
