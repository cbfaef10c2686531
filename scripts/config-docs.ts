/**
 * Writes the configuration tables of README.md from the services' settings, between the
 * `<!-- config:start -->` and `<!-- config:end -->` markers. With --check, exits 1 when stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describeSettings, type Settings } from '@notify/config';
import { embeddedSettings } from '@notify/embedded';
import { gatewaySettings } from '@notify/gateway';
import { presenceSettings } from '@notify/presence';
import { pushSettings } from '@notify/push';
import { routerSettings } from '@notify/router';
import { webhooksSettings } from '@notify/webhooks';

const processes: Array<[string, Settings]> = [
  ['embedded (`npm start`)', embeddedSettings],
  ['router', routerSettings],
  ['gateway', gatewaySettings],
  ['presence', presenceSettings],
  ['push', pushSettings],
  ['webhooks', webhooksSettings],
];

function table(): string {
  const rows = new Map<string, { defaults: Map<string, string[]>; description: string }>();
  for (const [name, settings] of processes) {
    for (const row of describeSettings(settings)) {
      const entry = rows.get(row.variable) ?? { defaults: new Map(), description: row.description };
      entry.defaults.set(row.defaultValue, [...(entry.defaults.get(row.defaultValue) ?? []), name.split(' ')[0]!]);
      rows.set(row.variable, entry);
    }
  }
  const lines = ['| variable | default | used by | description |', '| --- | --- | --- | --- |'];
  for (const [variable, { defaults, description }] of rows) {
    const usedBy = [...defaults.values()].flat();
    const defaultText =
      defaults.size === 1 ? `\`${[...defaults.keys()][0]}\`` : [...defaults].map(([value, names]) => `\`${value}\` (${names.join(', ')})`).join('<br>');
    lines.push(`| \`${variable}\` | ${defaultText} | ${usedBy.length === processes.length ? 'all' : usedBy.join(', ')} | ${description} |`);
  }
  return lines.join('\n');
}

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = await readFile(readmeUrl, 'utf8');
const pattern = /(<!-- config:start -->\n)[\s\S]*?(<!-- config:end -->)/;
if (!pattern.test(readme)) throw new Error('README.md has no <!-- config:start --> / <!-- config:end --> markers');
const updated = readme.replace(pattern, `$1${table()}\n$2`);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md configuration table is stale: run `npm run docs:config` and commit the result.');
    process.exit(1);
  }
  console.log('README.md configuration table is up to date');
} else {
  await writeFile(readmeUrl, updated);
  console.log('wrote the configuration table to README.md');
}
