/**
 * Writes docs/openapi/<name>.json: the OpenAPI 3.1 document each process serves at /openapi.json,
 * generated from its routes' zod schemas. Every process is started here, in this one, with the
 * in-process bus and store on a random port: nothing external is needed. The settings a process
 * reads are cleared first, so what is written does not depend on the shell's environment.
 *
 * With --check, writes nothing and exits 1 naming each stale document. Either way, a route a process
 * serves that its document does not describe (no summary) fails it, naming the route.
 *
 * A new process is one line in `processes`.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { devNull } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeSettings, type Settings } from '@notify/config';
import { embeddedSettings } from '@notify/embedded';
import { gatewaySettings } from '@notify/gateway';
import { undocumentedRoutes } from '@notify/http';
import { presenceSettings } from '@notify/presence';
import { pushSettings } from '@notify/push';
import { routerSettings } from '@notify/router';
import { startedProcesses, startingInMemory } from '@notify/runtime';
import { webhooksSettings } from '@notify/webhooks';

/** Settings the processes insist on; they only have to be valid: the bus and store are in-process, nothing is signed. */
const SECRET = 'openapi-generator-secret-0123456789abcdef';
const REQUIRED = {
  KAFKA_BROKERS: 'unused:9092',
  MONGO_URL: 'mongodb://unused/notify',
  INTAKE_TOKENS: `producer:${SECRET}`,
  ADMIN_TOKENS: `ops:${SECRET}`,
  GATEWAY_RELAY_SECRET: SECRET,
  // Users' tokens can be checked: the routes for users' own requests are served, and described.
  JWT_SECRET: SECRET,
  // No settings from a developer's .env either: the documents depend on nothing of this machine's.
  ENV_FILE: devNull,
};

interface ProcessToDocument {
  /** docs/openapi/<name>.json */
  name: string;
  /** Its `main`, which starts it (runMain) when imported. */
  main: string;
  settings: Settings;
  /** Settings of its own, over REQUIRED ('' unsets one). */
  env?: Record<string, string>;
}

const processes: ProcessToDocument[] = [
  { name: 'router', main: 'services/router/src/main.ts', settings: routerSettings },
  { name: 'gateway', main: 'services/gateway/src/main.ts', settings: gatewaySettings },
  { name: 'presence', main: 'services/presence/src/main.ts', settings: presenceSettings },
  { name: 'push', main: 'services/push/src/main.ts', settings: pushSettings },
  { name: 'webhooks', main: 'services/webhooks/src/main.ts', settings: webhooksSettings },
  { name: 'embedded', main: 'apps/embedded/src/main.ts', settings: embeddedSettings, env: { KAFKA_BROKERS: '', MONGO_URL: '', INTAKE_TOKENS: '', ADMIN_TOKENS: '' } },
];

const root = new URL('../', import.meta.url);
const outDir = new URL('docs/openapi/', root);

/** Keys sorted at every level (arrays keep their order), two-space indent, a final newline. */
export function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

/** Starts one process in this one, reads its document and the routes it leaves undescribed, stops it. */
async function documentOf(target: ProcessToDocument): Promise<{ json: string; undocumented: string[] }> {
  const saved = { ...process.env };
  for (const { variable } of describeSettings(target.settings)) delete process.env[variable];
  const env: Record<string, string> = { ...REQUIRED, LOG_LEVEL: saved.OPENAPI_LOG_LEVEL ?? 'silent', ...target.env };
  for (const [variable, value] of Object.entries(env)) if (value !== '') process.env[variable] = value;
  const before = new Set(startedProcesses());
  try {
    // Its settings are checked as in production; the bus and store it gets are in-process all the same.
    await startingInMemory(() => import(pathToFileURL(fileURLToPath(new URL(target.main, root))).href));
  } finally {
    process.env = saved;
  }
  const started = startedProcesses().find((p) => !before.has(p));
  if (!started) throw new Error(`${target.main} did not start a process`);
  try {
    const response = await fetch(`${started.url}/openapi.json`);
    if (!response.ok) throw new Error(`${target.name}: /openapi.json answered ${response.status}: ${await response.text()}`);
    return { json: stableJson(await response.json()), undocumented: await undocumentedRoutes(started.deps.http.app) };
  } finally {
    await started.stop('openapi documents written');
  }
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  // The embedded product prints how to try it once started; not wanted here.
  const log = console.log;
  console.log = () => undefined;
  const problems: string[] = [];
  try {
    await mkdir(outDir, { recursive: true });
    for (const target of processes) {
      const { json, undocumented } = await documentOf(target);
      for (const route of undocumented) problems.push(`${target.name}: ${route} is not described (declare its schema with a summary, or hide it)`);
      const file = new URL(`${target.name}.json`, outDir);
      const current = await readFile(file, 'utf8').catch(() => null);
      if (current === json) continue;
      if (check) problems.push(`docs/openapi/${target.name}.json is stale: run npm run docs:openapi`);
      else await writeFile(file, json);
    }
  } finally {
    console.log = log;
  }
  for (const problem of problems) console.error(problem);
  if (problems.length === 0) console.log(check ? `docs/openapi: ${processes.length} documents up to date` : `docs/openapi: ${processes.length} documents written`);
  return problems.length === 0 ? 0 : 1;
}

process.exit(await main());
