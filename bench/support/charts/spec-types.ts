/**
 * vega-lite's type for one panel of a chart, which may sit inside a composed chart (vconcat,
 * facet) where a top-level spec may not; vega-lite exports it only under its types_unstable path.
 */
export type { NonNormalizedSpec as PanelSpec } from 'vega-lite/types_unstable/spec/index.js';
