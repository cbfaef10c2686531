import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where every benchmark keeps its numbers and charts. */
export const resultsDirectory = new URL('../results/', import.meta.url);

/**
 * Writes a benchmark's numbers to results/<name>.json, then redraws the chart that shows them
 * (results/<chart>.png; a chart may combine several runs, such as lanes and no lanes).
 */
export async function saveResults(name: string, data: unknown): Promise<void> {
  await writeFile(new URL(`${name}.json`, resultsDirectory), `${JSON.stringify(data, null, 2)}\n`);
  try {
    // Loaded only now, so the charting libraries are not in memory while the benchmark measures.
    const { renderChartsReading } = await import('./charts/index');
    for (const png of await renderChartsReading(name, resultsDirectory)) console.log(`chart: ${relative(process.cwd(), fileURLToPath(png))}`);
  } catch (error) {
    // The numbers are saved; a chart that fails must not keep the benchmark from stopping its servers.
    console.error(`the chart for ${name}.json was not drawn (${String(error)}); \`npm run bench:charts\` draws it from the saved JSON`);
  }
}
