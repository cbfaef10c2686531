import type { TopLevelSpec } from 'vega-lite';
import type { PanelSpec } from './spec-types';

/**
 * A whole chart: a title in plain words, subtitle lines (what was measured, then the machine),
 * and its panels stacked one above the other. A single panel is stacked too, so every chart has
 * one shape and panels need not be top-level specs.
 */
export function titledChart(title: string, subtitle: readonly string[], panels: readonly PanelSpec[]): TopLevelSpec {
  return {
    title: { text: title, subtitle: [...subtitle], fontSize: 17, subtitleFontSize: 12, subtitleColor: '#555555', subtitlePadding: 6, offset: 14, frame: 'bounds' },
    vconcat: [...panels],
    // Each panel has its own colours, bands and legend (percentiles in one, kinds of memory in
    // another), and its legend sits under its own title rather than above the whole chart.
    resolve: { scale: { color: 'independent', yOffset: 'independent' }, legend: { color: 'independent' } },
  };
}
