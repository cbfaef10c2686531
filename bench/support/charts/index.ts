import { readdir, readFile, writeFile } from 'node:fs/promises';
import type { ChartDefinition, ResultFile } from './definition';
import { endToEndLatencyChart } from './end-to-end-latency';
import { gatewayChart } from './gateway';
import { pushChart } from './push';
import { renderPng } from './render';
import { routerThroughputChart } from './router-throughput';
import { soakChart } from './soak';
import { ruleEvaluationChart } from './rule-evaluation';
import { transportsChart } from './transports';

/** Every benchmark's chart. */
export const charts: readonly ChartDefinition[] = [ruleEvaluationChart, routerThroughputChart, gatewayChart, pushChart, endToEndLatencyChart, soakChart, transportsChart];

/** The names (without `.json`) of the results files in the folder, in name order. */
async function resultNames(directory: URL): Promise<string[]> {
  const files = await readdir(directory);
  return files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/** Draws one chart from the results files it reads that exist, and returns the PNG's URL (none when there are no such files). */
async function renderChart(chart: ChartDefinition, directory: URL, names: readonly string[]): Promise<URL | undefined> {
  const read = names.filter((n) => chart.reads(n));
  if (read.length === 0) return undefined;
  const results: ResultFile[] = await Promise.all(read.map(async (name) => ({ name, data: JSON.parse(await readFile(new URL(`${name}.json`, directory), 'utf8')) as unknown })));
  const png = new URL(`${chart.name}.png`, directory);
  await writeFile(png, await renderPng(chart.spec(results)));
  return png;
}

/** Redraws the charts that read the results file `resultName` (a benchmark has just written it). */
export async function renderChartsReading(resultName: string, directory: URL): Promise<URL[]> {
  const names = await resultNames(directory);
  const drawn = await Promise.all(charts.filter((c) => c.reads(resultName)).map((c) => renderChart(c, directory, names)));
  return drawn.filter((png): png is URL => png !== undefined);
}

/** Redraws every chart from the results files in the folder; also returns the results files no chart reads. */
export async function renderAllCharts(directory: URL): Promise<{ drawn: URL[]; unread: string[] }> {
  const names = await resultNames(directory);
  const drawn: URL[] = [];
  for (const chart of charts) {
    const png = await renderChart(chart, directory, names);
    if (png) drawn.push(png);
  }
  return { drawn, unread: names.filter((n) => !charts.some((c) => c.reads(n))) };
}
