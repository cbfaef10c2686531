import type { TopLevelSpec } from 'vega-lite';

/** One results file as read from disk: its name without `.json`, and what the benchmark wrote. */
export interface ResultFile {
  name: string;
  data: unknown;
}

/** One chart: which results files feed it and how it draws them. */
export interface ChartDefinition {
  /** The PNG's name under the results folder, without `.png`. */
  name: string;
  /** Whether the results file of this name (without `.json`) is one this chart draws. */
  reads(resultName: string): boolean;
  /** The chart for the files it reads that exist, given in name order; there is always at least one. */
  spec(results: readonly ResultFile[]): TopLevelSpec;
}
