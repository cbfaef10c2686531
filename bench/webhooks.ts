/**
 * Webhooks: deliveries per second one webhooks instance sends, from `delivery.status` on Kafka through
 * its outbox to a local receiver that answers at once, and what each costs its CPU and the store.
 *   npm run bench:webhooks                   outbox on the MongoDB-wire server (needs `npm run infra:up`): the real figure
 *   npm run bench:webhooks -- --store=memory  outbox in memory (a lab figure: the pipeline without the database)
 * One endpoint (an admin's, hearing every event) takes BENCH_DELIVERIES statuses (default 5,000), each
 * of a notification of its own, written at once after a warm-up of BENCH_WARMUP (500): from the first
 * write to the last delivery received. Then BENCH_PACED_RATE statuses a second (default 50) for
 * BENCH_PACED_SECONDS (10): how long after its status was written each delivery arrived. WEBHOOK_*
 * settings pass through to the service. Prints the numbers and writes
 * bench/results/webhooks[-mongo].json.
 */
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { KafkaBus } from '@notify/bus';
import { topics, type DeliveryStatus } from '@notify/contracts';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { freePort, waitFor } from '@notify/testing';
import { dropDatabase, databaseUrl } from './support/database';
import { deleteRunTopics, percentile, startServer, stopServer } from './support/harness';
import { serverCoresBetween, serverCpuSeconds, takeReading, usageBetween } from './support/process-readings';
import { saveResults } from './support/results';

const withMongo = !process.argv.includes('--store=memory');
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 5_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 500);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 50);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = `bench-webhooks-${Date.now().toString(36)}`;
// The ops token the service is started with (support/service-server.ts).
const adminSecret = 'bench-admin-secret-0123456789abc';
const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

// The receiver: answers 204 at once and notes when each notification's delivery first arrived.
const arrivals = new Map<string, number>();
let posts = 0;
const receiver = createServer((request, response) => {
  posts++;
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const notificationId = (JSON.parse(Buffer.concat(chunks).toString()) as { data: { notificationId: string } }).data.notificationId;
    if (!arrivals.has(notificationId)) arrivals.set(notificationId, Date.now());
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const mongoUrl = withMongo ? databaseUrl(run) : '';
const service = await startServer('service-server.ts', { BENCH_SERVICE: 'webhooks', PORT: String(port), BENCH_KAFKA_BROKERS: brokers.join(','), BENCH_TOPIC_PREFIX: run, BENCH_MONGO_URL: mongoUrl });
const bus = new KafkaBus({ brokers, clientId: 'bench-webhooks', service: 'bench', topicPrefix: run, logger: silentLogger(), metrics: createMetricsRegistry('bench', { processMetrics: false }), provision: [] });
await bus.start();

try {
  const created = await fetch(`${url}/v1/webhooks/endpoints`, { method: 'POST', headers: { authorization: `Bearer ${adminSecret}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: receiverUrl }) });
  if (created.status !== 201) throw new Error(`creating the endpoint answered ${created.status}: ${await created.text()}`);

  let n = 0;
  const status = (): DeliveryStatus => {
    n++;
    return { version: 1, eventId: `e${n}`, notificationId: `e${n}:u${n % 1000}`, userId: `u${n % 1000}`, status: 'sent', channel: 'push', service: 'push', at: new Date().toISOString() };
  };
  const write = async (count: number) => {
    for (let from = 0; from < count; from += 1000) await bus.publish(topics.deliveryStatus, Array.from({ length: Math.min(1000, count - from) }, () => ({ value: status() })));
  };
  const storeCommands = async () => (await (await fetch(`${url}/bench/store-commands`)).json()) as Record<string, number>;

  await write(WARMUP);
  await waitFor('the warm-up delivered', () => arrivals.size >= WARMUP, { timeoutMs: 300_000 });

  // The flood: every status at once; the clock runs from the first write to the last arrival.
  const before = { reading: await takeReading([url]), servers: serverCpuSeconds(), commands: await storeCommands(), posts, arrived: arrivals.size };
  const started = Date.now();
  await write(DELIVERIES);
  await waitFor(`${DELIVERIES} deliveries`, () => arrivals.size >= before.arrived + DELIVERIES, { timeoutMs: 1_800_000, intervalMs: 100 });
  const seconds = (Date.now() - started) / 1000;
  const after = { reading: await takeReading([url]), servers: serverCpuSeconds(), commands: await storeCommands(), posts };
  const usage = usageBetween(before.reading, after.reading);
  const commands = Object.fromEntries(Object.entries(after.commands).map(([name, count]) => [name, count - (before.commands[name] ?? 0)]).filter(([, count]) => (count as number) > 0));
  const totalCommands = Object.values(commands).reduce<number>((sum, count) => sum + (count as number), 0);
  const cpuSeconds = usage.cores.product * seconds;
  const flood = {
    deliveries: DELIVERIES,
    seconds: round(seconds),
    perSecond: Math.round(DELIVERIES / seconds),
    posts: after.posts - before.posts,
    cpuMsPerDelivery: round((cpuSeconds * 1000) / DELIVERIES, 3),
    storeOperationsPerDelivery: round(totalCommands / DELIVERIES),
    storeCommands: commands,
    cores: { webhooks: usage.cores.product, bench: usage.cores.clients, machine: usage.cores.machine, ...serverCoresBetween(before.servers, after.servers, seconds) },
  };
  console.log(
    `flood: ${DELIVERIES} deliveries in ${flood.seconds} s: ${flood.perSecond}/s, ${flood.cpuMsPerDelivery} ms of the service's CPU each, ${flood.storeOperationsPerDelivery} store operations each (${Object.entries(commands).map(([name, count]) => `${name} ${count}`).join(', ')}); cores: ${JSON.stringify(flood.cores)}`,
  );

  // Paced: a steady rate; written → received for each.
  const pacedFrom = arrivals.size;
  const writtenAt = new Map<string, number>();
  const pacedTotal = PACED_RATE * PACED_SECONDS;
  const pacedStart = Date.now();
  for (let i = 0; i < pacedTotal; i++) {
    const due = pacedStart + (i * 1000) / PACED_RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const value = status();
    writtenAt.set(value.notificationId!, Date.now());
    await bus.publish(topics.deliveryStatus, [{ value }]);
  }
  await waitFor('the paced deliveries', () => arrivals.size >= pacedFrom + pacedTotal, { timeoutMs: 300_000, intervalMs: 100 });
  const latencies = [...writtenAt].map(([notificationId, at]) => arrivals.get(notificationId)! - at);
  latencies.sort((a, b) => a - b);
  const paced = { rate: PACED_RATE, seconds: PACED_SECONDS, received: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
  console.log(`paced: ${PACED_RATE}/s for ${PACED_SECONDS} s: ${paced.received}/${pacedTotal} timed; written → received p50 ${paced.p50} ms, p99 ${paced.p99} ms, max ${paced.max} ms`);

  await saveResults(withMongo ? 'webhooks-mongo' : 'webhooks', {
    benchmark: 'webhooks',
    store: withMongo ? 'mongo' : 'memory (a lab figure)',
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: loadavg().map((l) => round(l)) },
    takenAt: new Date().toISOString(),
    settings: Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('WEBHOOK_'))),
    warmup: WARMUP,
    flood,
    paced,
  });
} finally {
  await bus.stop();
  await stopServer(service);
  receiver.close();
  await deleteRunTopics(brokers, run).catch(() => undefined);
  if (withMongo) await dropDatabase(mongoUrl).catch(() => undefined);
}
