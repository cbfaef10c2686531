import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Where a benchmark phase's CPU went, and how late the product's event loop ran: read at the start
 * and end of a phase, the difference says how busy each process was. Linux only (/proc/stat for the
 * machine); elsewhere the machine share is null.
 */
export interface Reading {
  at: number;
  /** CPU seconds of the whole machine, busy and idle, from /proc/stat (null when not on Linux). */
  machine: { busy: number; total: number } | null;
  /** CPU seconds of this (the benchmark's client) process. */
  self: number;
  /** CPU seconds of the product's processes together, from their /metrics. */
  product: number;
}

export interface PhaseUsage {
  /** Share of one core each used over the phase (2 = both cores of a 2-core machine). */
  cores: { machine: number | null; product: number; clients: number; rest: number | null; /** Each product process's share, in the order their URLs were given. */ byProcess: number[] };
  /** The product's event-loop delay over the phase, the worst of its processes (prom-client resets it on every scrape). */
  eventLoopDelayMs: { p99: number; max: number };
  /**
   * This process's event-loop delay over the phase: the clients' receive times are taken here, so a
   * stall of this process shows up as latency the product did not add.
   */
  clientsEventLoopDelayMs: { p99: number; max: number };
  /** Garbage-collection pauses of the product's processes over the phase, as prom-client samples them. */
  gc: { pausedMs: number; pausesOver10Ms: number };
  /** The product's heap in use at the end of the phase, its processes together. */
  heapUsedMiB: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

// Sampled every 10 ms, as prom-client samples the product's; reset at every reading.
const ownEventLoop = monitorEventLoopDelay({ resolution: 10 });
ownEventLoop.enable();

function machineCpu(): Reading['machine'] {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const ticks = fields.map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the idle part.
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = ticks[3]! + ticks[4]!;
    return { busy: (total - idle) / CLOCK_TICKS_PER_SECOND, total: total / CLOCK_TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

const metricValue = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
};

/** The sum of a metric's series whose labels contain every `label="value"` given, over /metrics texts. */
export function metricSum(texts: readonly string[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  return texts
    .flatMap((text) => text.split('\n'))
    .filter((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** A reading with each product process's /metrics text, read at the same moment. */
export type ReadingWithMetrics = Reading & { metrics: string[]; ownDelay: { p99: number; max: number } };

/** Reads the machine, this process and the product's processes (their base URLs, each serving /metrics). */
export async function takeReading(productUrls: readonly string[]): Promise<ReadingWithMetrics> {
  const metrics = await Promise.all(productUrls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
  const { user, system } = process.cpuUsage();
  const product = metrics.reduce((sum, text) => sum + metricValue(text, 'process_cpu_seconds_total'), 0);
  const ownDelay = { p99: ownEventLoop.percentile(99) / 1e6, max: ownEventLoop.max / 1e6 };
  ownEventLoop.reset();
  return { at: Date.now(), machine: machineCpu(), self: (user + system) / 1e6, product, metrics, ownDelay };
}

/** What happened between two readings; the event-loop figures come from the later scrape. */
export function usageBetween(start: ReadingWithMetrics, end: ReadingWithMetrics): PhaseUsage {
  const seconds = (end.at - start.at) / 1000;
  const round = (n: number) => Math.round(n * 100) / 100;
  const product = round((end.product - start.product) / seconds);
  const clients = round((end.self - start.self) / seconds);
  const machine = start.machine && end.machine ? round((end.machine.busy - start.machine.busy) / seconds) : null;
  const gcBetween = (name: string, labels: Record<string, string> = {}) => metricSum(end.metrics, name, labels) - metricSum(start.metrics, name, labels);
  return {
    cores: {
      machine,
      product,
      clients,
      rest: machine === null ? null : round(Math.max(0, machine - product - clients)),
      byProcess: end.metrics.map((text, i) => round((metricValue(text, 'process_cpu_seconds_total') - metricValue(start.metrics[i]!, 'process_cpu_seconds_total')) / seconds)),
    },
    gc: {
      pausedMs: Math.round(gcBetween('nodejs_gc_duration_seconds_sum') * 1000),
      pausesOver10Ms: gcBetween('nodejs_gc_duration_seconds_count') - gcBetween('nodejs_gc_duration_seconds_bucket', { le: '0.01' }),
    },
    clientsEventLoopDelayMs: { p99: round(end.ownDelay.p99), max: round(end.ownDelay.max) },
    heapUsedMiB: Math.round(metricSum(end.metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20),
    eventLoopDelayMs: {
      p99: round(Math.max(...end.metrics.map((text) => metricValue(text, 'nodejs_eventloop_lag_p99_seconds'))) * 1000),
      max: round(Math.max(...end.metrics.map((text) => metricValue(text, 'nodejs_eventloop_lag_max_seconds'))) * 1000),
    },
  };
}

/** The local servers a benchmark runs against, as their processes' command lines show them. */
// PostgreSQL first: its backends' command lines name the database user, ferretdb.
const SERVER_KINDS = [
  ['kafka', /kafka\.Kafka/],
  ['postgres', /^postgres(:|\s|$)|\/postgresql\/\d+\/bin\/postgres/],
  ['ferretdb', /ferretdb/],
] as const;
export type ServerCpu = Record<(typeof SERVER_KINDS)[number][0], number>;

/** CPU seconds used so far by the local Kafka, FerretDB and PostgreSQL processes (Linux; null elsewhere). */
export function serverCpuSeconds(): ServerCpu | null {
  if (!existsSync('/proc/stat')) return null;
  const totals: ServerCpu = { kafka: 0, ferretdb: 0, postgres: 0 };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const kind = SERVER_KINDS.find(([, pattern]) => pattern.test(commandLine))?.[0];
      if (!kind) continue;
      // utime, stime, cutime and cstime: fields 14 to 17, counted after the command name's closing
      // parenthesis. The children's part matters for PostgreSQL: a backend's time goes to the server
      // process when the backend exits, and FerretDB's pool replaces its connections all the time.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      totals[kind] += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return totals;
}

/** Cores each server kept busy between two readings taken `seconds` apart. */
export function serverCoresBetween(before: ServerCpu | null, after: ServerCpu | null, seconds: number): ServerCpu | null {
  if (!before || !after) return null;
  const cores = (kind: keyof ServerCpu) => Math.round(((after[kind] - before[kind]) / seconds) * 100) / 100;
  return { kafka: cores('kafka'), ferretdb: cores('ferretdb'), postgres: cores('postgres') };
}
