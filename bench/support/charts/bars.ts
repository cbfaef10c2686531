import type { PanelSpec } from './spec-types';
import { barColour } from './theme';

/** One horizontal bar: what it is, how long it is, and the number printed at its end. */
export interface Bar {
  label: string;
  value: number;
  text: string;
}

/**
 * Horizontal bars on a linear scale starting at zero, each with its value printed at its end, so a
 * bar too short to see (142 next to 13,562) still reads.
 */
export function labelledBars(bars: readonly Bar[], options: { valueTitle: string; width?: number; title?: string }): PanelSpec {
  return {
    ...(options.title ? { title: options.title } : {}),
    data: { values: [...bars] },
    width: options.width ?? 520,
    height: { step: 36 },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title: options.valueTitle, scale: { zero: true } },
    },
    layer: [
      { mark: { type: 'bar', color: barColour, height: { band: 0.7 } } },
      { mark: { type: 'text', align: 'left', dx: 5, fontSize: 12 }, encoding: { text: { field: 'text' } } },
    ],
  };
}
