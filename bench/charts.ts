/**
 * Redraws every benchmark's chart from the JSON already under bench/results, without running a
 * benchmark again.
 *   npm run bench:charts
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAllCharts } from './support/charts/index';
import { resultsDirectory } from './support/results';

const { drawn, unread } = await renderAllCharts(resultsDirectory);
for (const png of drawn) console.log(`chart: ${relative(process.cwd(), fileURLToPath(png))}`);
for (const name of unread) console.warn(`no chart reads ${name}.json`);
