import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireKafka, requireMongo, sleep, uniqueName, waitFor } from '@notify/testing';

/**
 * The README's "Running on real infrastructure" block, run as printed: its commands in a fresh
 * shell's environment (none of the test runner's settings), each `npx nx serve <service>` and
 * `npm start` a background process of its own, on the default ports the README's configuration table
 * gives. `npm run infra:up` / `infra:down` are left out: the test run already started the servers.
 *
 * The other commands (`cp .env.example .env`) run in a scratch folder holding a copy of the files
 * they name, so a developer's own `.env` is left alone; the processes are pointed at what they wrote
 * with ENV_FILE, and Nx's own loading of the root `.env` is off for the same reason.
 *
 * Each run's processes get topics and a database of their own (TOPIC_PREFIX, and the block's
 * MONGO_URL under another name), as every suite here has; everything else is what the block gives.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Block {
  /** Commands run in the foreground, in order, before anything starts (`cp`, `export`). */
  setup: string[];
  /** `npx nx serve <service>` lines: the distributed product. */
  services: Array<{ name: string; command: string }>;
  /** The `npm start` line: the embedded product, the alternative to the services. */
  embedded: string;
}

/** The first ```sh block under "## Running on real infrastructure", comments dropped. */
function readBlock(): Block {
  const section = readme.slice(readme.indexOf('\n## Running on real infrastructure'));
  const fenced = /```sh\n([\s\S]*?)```/.exec(section);
  if (!fenced) throw new Error('README: no ```sh block under "Running on real infrastructure"');
  const lines = fenced[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const block: Block = { setup: [], services: [], embedded: '' };
  for (const line of lines) {
    const serve = /^npx nx serve ([a-z-]+)$/.exec(line);
    if (/^npm run infra:(up|down)$/.test(line)) continue;
    else if (serve) block.services.push({ name: serve[1]!, command: line });
    else if (line === 'npm start') block.embedded = line;
    else block.setup.push(line);
  }
  return block;
}

/** Each process's default port, from the README's configuration table (the PORT row). */
function defaultPorts(): Record<string, number> {
  const row = readme.split('\n').find((line) => line.startsWith('| `PORT` |'));
  if (!row) throw new Error('README: no PORT row in the configuration table');
  const ports: Record<string, number> = {};
  for (const [, port, names] of row.matchAll(/`(\d+)` \(([^)]+)\)/g)) for (const name of names!.split(',')) ports[name.trim()] = Number(port);
  return ports;
}

/** What a new user's shell has: none of the test runner's variables (no KAFKA_BROKERS, no tokens, no NODE_OPTIONS). */
function freshShellEnv(): Record<string, string> {
  const kept = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'TZ', 'CI'];
  return Object.fromEntries(kept.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

/**
 * Runs the setup lines in one bash in the scratch folder and returns what a later command there
 * would see: the variables they exported, and ENV_FILE when they wrote a `.env`.
 */
function runSetup(setup: string[], scratch: string): Record<string, string> {
  for (const word of setup.join(' ').split(/\s+/)) {
    const file = join(root, word);
    if (!word.includes('/') && existsSync(file) && statSync(file).isFile()) copyFileSync(file, join(scratch, word));
  }
  const shell = spawnSync('bash', ['-ec', `${setup.join('\n')}\nenv -0`], { cwd: scratch, env: freshShellEnv(), encoding: 'utf8' });
  if (shell.status !== 0) throw new Error(`the block's commands failed (exit ${shell.status}): ${shell.stderr}`);
  const before = freshShellEnv();
  const exported = Object.fromEntries(
    shell.stdout
      .split('\0')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const)
      .filter(([name, value]) => !['PWD', 'OLDPWD', 'SHLVL', '_'].includes(name) && before[name] !== value),
  );
  return existsSync(join(scratch, '.env')) ? { ...exported, ENV_FILE: join(scratch, '.env') } : exported;
}

interface Started {
  name: string;
  command: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

/** A line of the block, run by sh from the workspace root as its own process group (npx, nx, npm, tsx and the service). */
function startBackground(name: string, command: string, port: number, env: Record<string, string>): Started {
  const child = spawn('sh', ['-c', command], {
    cwd: root,
    // Nx would load the root .env itself; the block's .env is ENV_FILE. No Nx daemon left behind.
    env: { ...freshShellEnv(), ...env, NX_LOAD_DOT_ENV_FILES: 'false', NX_DAEMON: 'false' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, command, port, child, output: () => output };
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * SIGTERM to the whole group, as a terminal signals every process of a command on Ctrl-C (npx alone
 * passes it on to nobody: nx and the service would run on); SIGKILL to what is left after 25 s.
 */
async function stopGroup(started: Started): Promise<void> {
  const pid = started.child.pid;
  if (pid === undefined || !groupAlive(pid)) return;
  process.kill(-pid, 'SIGTERM');
  const deadline = Date.now() + 25_000;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) {
    console.warn(`${started.command}: still running 25 s after SIGTERM; killed\n${started.output().slice(-2000)}`);
    process.kill(-pid, 'SIGKILL');
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const running: Started[] = [];
// Should the test run itself be killed, the groups go with it rather than hold the default ports.
process.once('exit', () => {
  for (const { child } of running) if (child.pid !== undefined && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
});
let scratch: string;
let block: Block;
let ports: Record<string, number>;
let env: Record<string, string>;

beforeAll(async () => {
  // The servers the block's infra:up starts: a clear failure when they are not there.
  await requireKafka();
  await requireMongo('notify');
  block = readBlock();
  ports = defaultPorts();
  scratch = mkdtempSync(join(tmpdir(), 'readme-block-'));
  env = runSetup(block.setup, scratch);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map(stopGroup));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Starts the lines at once, and waits for each one's /readyz on its default port. */
async function startAll(lines: Array<{ name: string; command: string }>): Promise<void> {
  for (const { name } of lines) {
    const port = ports[name];
    if (port === undefined) throw new Error(`README: the PORT row gives no default port for ${name}`);
    if (!(await portIsFree(port))) throw new Error(`port ${port} (${name}'s default) is taken: stop what listens there and run the test again`);
  }
  const processEnv = isolated(env);
  const started = lines.map(({ name, command }) => startBackground(name, command, ports[name]!, processEnv));
  running.push(...started);
  const t0 = Date.now();
  const readyAfter = await Promise.all(started.map(async (s) => (await ready(s), `${s.name} ${Date.now() - t0} ms`)));
  console.log(`ready after start: ${readyAfter.join(', ')}`);
}

/** Until its /readyz answers 200 (90 s at most); a process that exits first fails it at once, with its output (which names a missing setting). */
async function ready(s: Started): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = 'no answer';
  for (;;) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`\`${s.command}\` exited (${s.child.exitCode ?? s.child.signalCode}) before it was ready:\n${s.output().slice(-3000)}`);
    const answer = await fetch(`http://127.0.0.1:${s.port}/readyz`).catch(() => undefined);
    if (answer?.status === 200) return;
    if (answer) last = `${answer.status} ${await answer.text()}`;
    if (Date.now() > deadline) throw new Error(`\`${s.command}\` did not answer /readyz on port ${s.port} with 200 within 90 s (last: ${last}):\n${s.output().slice(-3000)}`);
    await sleep(200);
  }
}

/** What the block gives a process: what it exported, over its settings file. */
function blockSetting(variable: string): string | undefined {
  return env[variable] ?? (env.ENV_FILE ? parseEnv(readFileSync(env.ENV_FILE, 'utf8'))[variable] : undefined);
}

/**
 * Topics and a database of their own, as every suite here has: other processes may be using the
 * default ones on the same servers, and a run must not join their consumer groups. Nothing the block
 * must give is supplied: the database is the block's own MONGO_URL with another name, and only when
 * the block gives one (without it, the services still stop asking for it).
 */
function isolated(blockEnv: Record<string, string>): Record<string, string> {
  const name = uniqueName('readme');
  const given = blockSetting('MONGO_URL');
  if (!given || !URL.canParse(given)) return { ...blockEnv, TOPIC_PREFIX: name };
  const mongoUrl = new URL(given);
  mongoUrl.pathname = `/${name}`;
  return { ...blockEnv, TOPIC_PREFIX: name, MONGO_URL: mongoUrl.toString() };
}

/** The token the block's settings give a product team: the first entry of INTAKE_TOKENS. */
function intakeSecret(): string {
  const tokens = blockSetting('INTAKE_TOKENS');
  if (!tokens) throw new Error('the block gives no INTAKE_TOKENS');
  return tokens.split(',')[0]!.split(':')[1]!;
}

/** One transactional event over HTTP to the router, then its trail until it shows a step by each of `services`. */
async function sendAndFollow(routerPort: number, services: string[]): Promise<Array<{ status: string; service: string }>> {
  const headers = { authorization: `Bearer ${intakeSecret()}`, 'content-type': 'application/json' };
  const id = `readme-${randomUUID()}`;
  const event = { version: 1, id, type: 'payment.succeeded', to: { userId: `readme-user-${randomUUID().slice(0, 8)}` }, priority: 'transactional', payload: { title: 'Payment received' }, createdAt: new Date().toISOString() };
  const sent = await fetch(`http://127.0.0.1:${routerPort}/v1/events`, { method: 'POST', headers, body: JSON.stringify(event) });
  expect(sent.status, await sent.clone().text()).toBe(202);
  let steps: Array<{ status: string; service: string }> = [];
  await waitFor(
    `the trail of ${id} to show a step by ${services.join(', ')}`,
    async () => {
      const response = await fetch(`http://127.0.0.1:${routerPort}/v1/events/${id}/history`, { headers });
      if (response.status !== 200) return false;
      steps = ((await response.json()) as { history: Array<{ status: string; service: string }> }).history;
      return services.every((service) => steps.some((step) => step.service === service));
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; steps so far: ${JSON.stringify(steps)}`);
  });
  return steps;
}

describe('README: running on real infrastructure, as printed', () => {
  it('each service in its own process: all ready on their default ports, and an event sent to the router is routed, kept in the inbox and pushed', async () => {
    expect(block.services.map((s) => s.name).sort()).toEqual(['gateway', 'presence', 'push', 'router', 'webhooks']);
    await startAll(block.services);
    const steps = await sendAndFollow(ports.router!, ['router', 'gateway', 'push']);
    console.log(`distributed trail: ${steps.map((s) => `${s.service}:${s.status}`).join(' → ')}`);
  }, 240_000);

  it('or all of them in one process (npm start) on the same Kafka and MongoDB', async () => {
    expect(block.embedded).toBe('npm start');
    await startAll([{ name: 'embedded', command: block.embedded }]);
    const health = (await (await fetch(`http://127.0.0.1:${ports.embedded}/readyz`)).json()) as unknown;
    // On Kafka and MongoDB, not the in-process bus and store: the readiness checks name them.
    expect(JSON.stringify(health)).toMatch(/kafka/i);
    expect(JSON.stringify(health)).toMatch(/mongo/i);
    const steps = await sendAndFollow(ports.embedded!, ['router', 'gateway', 'push']);
    console.log(`embedded trail: ${steps.map((s) => `${s.service}:${s.status}`).join(' → ')}`);
  }, 180_000);
});
