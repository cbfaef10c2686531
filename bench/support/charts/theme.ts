import type { Config } from 'vega-lite';

/**
 * Fonts in order of preference: the first one installed wins. Named families rather than font
 * files so the charts render wherever the benchmarks run; resvg loads the system's fonts.
 */
export const fontFamilies = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** The colour of each latency percentile: one hue, darker for the slower tail. */
export const percentileColours = { p50: '#9ecae1', p95: '#4292c6', p99: '#08519c', max: '#08306b' } as const;

/** The colour of a single series (throughput bars and the like). */
export const barColour = '#4c78a8';

/**
 * One look for every chart. Label limits are generous because vega estimates text widths without
 * a font (no canvas in Node) and overestimates them, which would otherwise cut labels short.
 */
export const chartConfig: Config = {
  font: fontFamilies,
  // No background of its own: the rasteriser paints it, and crops to what the chart draws.
  background: 'transparent',
  padding: 0,
  // Panel titles, over the plot itself so stacked panels line up; a chart's own title is set where it is made.
  title: { fontSize: 13, anchor: 'start', frame: 'group', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 1000, titlePadding: 10 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 1000 },
  header: { labelFontSize: 13, labelFontWeight: 'bold', titleFontSize: 12, labelLimit: 1000 },
  concat: { spacing: 36 },
  view: { stroke: null },
};
