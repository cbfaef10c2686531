/**
 * The chaos suite: the four services as processes on the real Kafka and database, an outside load
 * of transactional events to online users (socket.io client SDK) and offline users (phones, through
 * an APNs emulator), while each service is killed with SIGKILL in turn and the broker and the
 * database are restarted. One table row per fault: events sent, notifications delivered, lost,
 * duplicates a client would show, statuses left unfinal, and the time to recover.
 *   npm run chaos                 the full run
 *   npm run chaos -- --short      a shorter one (fewer users, a lower rate, shorter phases), as CI runs it
 * Needs `npm run infra:up`; it stops and starts the local broker and database itself, so nothing else
 * may use them meanwhile. Exits 1 if any notification was lost or shown twice.
 * Settings: CHAOS_RATE (events/s), CHAOS_ONLINE_USERS, CHAOS_OFFLINE_USERS, and CHAOS_ONLY (faults whose
 * name contains one of these comma-separated words, e.g. `router,broker`; a partial run never passes
 * and saves nothing).
 * Writes apps/chaos/results/chaos[-short].json.
 */
import { cpus, tmpdir } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sleep, waitFor } from '@notify/testing';
import { Deployment, SERVICES } from './deployment';
import { faults } from './faults';
import { Ledger, type PhaseTally } from './ledger';
import { Load } from './load';
import { historyAnswer, unfinalEvents, whyAlsoPushed } from './statuses';

const short = process.argv.includes('--short');
const only = process.env.CHAOS_ONLY?.split(',').map((w) => w.trim()).filter(Boolean);
const settings = {
  rate: Number(process.env.CHAOS_RATE ?? (short ? 20 : 40)),
  onlineUsers: Number(process.env.CHAOS_ONLINE_USERS ?? (short ? 12 : 30)),
  offlineUsers: Number(process.env.CHAOS_OFFLINE_USERS ?? (short ? 6 : 15)),
  /** Load before the fault, and after the product is ready again. */
  beforeMs: short ? 3000 : 5000,
  afterMs: short ? 5000 : 10_000,
  serviceDownMs: short ? 2000 : 3000,
  infraDownMs: short ? 2000 : 5000,
  /** How long the stragglers of a phase may take (a fallback push waits 15 s for the client first). */
  settleMs: short ? 60_000 : 90_000,
};

interface Row extends PhaseTally {
  /** From the fault until every service answered ready again. */
  readyAfterMs: number | null;
  unfinal: number;
  /** Why notifications shown in-app were pushed too, from their trails. */
  alsoPushedBecause: Record<string, number>;
  /** A few of the events lost or left unfinal, to look up in the status trail. */
  examples: { lost: string[]; unfinal: string[] };
}

const ledger = new Ledger();
const deployment = new Deployment();
const load = new Load(deployment, ledger, settings);
const rows: Row[] = [];

async function phase(name: string, fault?: (d: Deployment) => Promise<void>): Promise<Row> {
  load.phase = name;
  load.resume();
  await sleep(settings.beforeMs);
  const faultAt = fault ? Date.now() : null;
  if (fault) await fault(deployment);
  const readyAfterMs = faultAt === null ? null : Date.now() - faultAt;
  await sleep(settings.afterMs);
  await load.pause();
  await waitFor(`${name}: every event delivered`, () => ledger.undelivered(name).length === 0, { timeoutMs: settings.settleMs, intervalMs: 250 }).catch(() => undefined);
  let unfinal = await unfinalEvents(deployment, ledger.eventsOf(name));
  for (let waited = 0; unfinal.length > 0 && waited < 60_000; waited += 2000) {
    await sleep(2000);
    unfinal = await unfinalEvents(deployment, unfinal);
  }
  const tally = ledger.tally(name, faultAt);
  const alsoPushedBecause = await whyAlsoPushed(deployment, ledger.alsoPushed(name));
  const row: Row = { ...tally, readyAfterMs, unfinal: unfinal.length, alsoPushedBecause, examples: { lost: ledger.undelivered(name).slice(0, 5).map((e) => `${e.eventId}:${e.userId}`), unfinal: unfinal.slice(0, 5).map((e) => `${e.eventId}:${e.userId}`) } };
  console.log(`${name}: sent ${row.sent}, delivered ${row.delivered}, lost ${row.lost}, duplicates ${row.duplicatesInApp} in-app and ${row.duplicatesPushed} pushed, unfinal ${row.unfinal}, ready again after ${format(row.readyAfterMs)}, recovered after ${format(row.recoveredAfterMs)}${row.alsoPushed > 0 ? `; shown in-app and pushed: ${JSON.stringify(row.alsoPushedBecause)}` : ''}`);
  if (unfinal[0]) {
    const answer = await historyAnswer(deployment, unfinal[0]).catch((err: Error) => err);
    console.log(`an unfinal trail, ${unfinal[0].eventId}:${unfinal[0].userId}: ${answer instanceof Error ? answer.message : `${answer.status} ${await answer.text()}`}`);
    const metrics = await (await fetch(`${deployment.urls.router}/metrics`)).text();
    console.log(metrics.split('\n').filter((l) => l.includes('delivery.status') && !l.startsWith('#')).join('\n'));
  }
  if (row.lost > 0 || row.unfinal > 0) for (const service of SERVICES) console.log(`--- ${service}, last output ---\n${deployment.output(service).slice(-1500)}`);
  return row;
}

const format = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function table(rows: readonly Row[]): string {
  const header = ['fault', 'sent', 'delivered', 'lost', 'dup in-app', 'dup pushed', 'in-app + fallback push', 'unfinal', 'ready again', 'recovered', 'worst latency'];
  const lines = rows.map((r) => [r.phase, r.sent, r.delivered, r.lost, r.duplicatesInApp, r.duplicatesPushed, r.alsoPushed, r.unfinal, format(r.readyAfterMs), format(r.recoveredAfterMs), format(r.worstLatencyMs)].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [render(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(render)].join('\n');
}

let failed = false;
try {
  await deployment.start();
  await load.prepare();
  console.log(`chaos${short ? ' (short)' : ''}: ${settings.onlineUsers} users online, ${settings.offlineUsers} offline, ${settings.rate} events/s; store: FerretDB on PostgreSQL`);
  rows.push(await phase('no fault'));
  for (const fault of faults(settings).filter((f) => !only || only.some((word) => f.name.includes(word)))) rows.push(await phase(fault.name, (d) => fault.inject(d)));
} catch (err) {
  failed = true;
  console.error(err);
  for (const service of SERVICES) console.log(`--- ${service}, last output ---\n${deployment.output(service).slice(-3000)}`);
} finally {
  const logs = `${tmpdir()}/${deployment.prefix}`;
  await deployment.saveLogs(logs).then(() => console.log(`the services' logs: ${logs}`), (err: Error) => console.warn(`could not save the logs: ${err.message}`));
  await load.close().catch(() => undefined);
  await deployment.stop().catch((err: Error) => console.warn(`clean-up: ${err.message}`));
}

console.log(`\n${table(rows)}\n`);
console.log(`events the producer had to send again while the broker was away: ${load.retriedSends}`);
const results = fileURLToPath(new URL('../results/', import.meta.url));
await mkdir(results, { recursive: true });
if (!only) await writeFile(
  `${results}chaos${short ? '-short' : ''}.json`,
  `${JSON.stringify({ suite: 'chaos', short, settings, store: 'FerretDB on PostgreSQL', rows, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, takenAt: new Date().toISOString() }, null, 2)}\n`,
);
const bad = rows.filter((r) => r.lost > 0 || r.duplicatesInApp > 0 || r.duplicatesPushed > 0);
if (failed || bad.length > 0 || rows.length < 7) {
  console.error(failed || rows.length < 7 ? 'chaos: the run did not complete' : `chaos: ${bad.map((r) => r.phase).join(', ')} lost notifications or showed duplicates`);
  process.exit(1);
}
process.exit(0);
