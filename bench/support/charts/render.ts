import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { chartConfig } from './theme';

/** Twice the SVG's size, so text stays sharp when the PNG is shown on a high-density screen. */
const PIXELS_PER_UNIT = 2;

/** White space kept around what is drawn, in SVG units. */
const MARGIN = 16;

/** A vega-lite chart as SVG: vega lays it out headless (no browser, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vegaSpec } = compile({ ...spec, config: { ...chartConfig, ...spec.config } });
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A vega-lite chart as PNG: the SVG rasterised by resvg with the fonts installed on this system. */
export async function renderPng(spec: TopLevelSpec): Promise<Buffer> {
  const svg = await renderSvg(spec);
  const image = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: PIXELS_PER_UNIT },
    font: { loadSystemFonts: true },
  });
  // Vega sizes the chart from estimated text widths (it has no fonts in Node), wider than the real
  // ones: crop to what resvg actually drew, so the chart has no empty band on its right.
  const drawn = image.getBBox();
  if (drawn) {
    // resvg takes back only the BBox object it made, so it is widened in place.
    drawn.x -= MARGIN;
    drawn.y -= MARGIN;
    drawn.width += 2 * MARGIN;
    drawn.height += 2 * MARGIN;
    image.cropByBBox(drawn);
  }
  return image.render().asPng();
}
