import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** The local servers a benchmark depends on, told apart by their command lines (Linux /proc). */
const SERVERS = {
  kafka: (cmdline: string) => cmdline.includes('kafka.Kafka'),
  ferretdb: (cmdline: string) => cmdline.includes('ferretdb'),
  postgres: (cmdline: string, comm: string) => comm.startsWith('postgres'),
} satisfies Record<string, (cmdline: string, comm: string) => boolean>;

export type ServerName = keyof typeof SERVERS;

/** CPU seconds used so far by each local server (all its processes), read from /proc; empty when not on Linux. */
export function serverCpuSeconds(): Partial<Record<ServerName, number>> {
  const totals: Partial<Record<ServerName, number>> = {};
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields after it are fixed.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      for (const [name, matches] of Object.entries(SERVERS) as Array<[ServerName, (c: string, n: string) => boolean]>) {
        if (matches(cmdline, comm)) totals[name] = (totals[name] ?? 0) + seconds;
      }
    } catch {
      // The process ended while being read.
    }
  }
  return totals;
}

/** Cores each server used on average between two readings taken `seconds` apart. */
export function serverCoresBetween(start: Partial<Record<ServerName, number>>, end: Partial<Record<ServerName, number>>, seconds: number): Partial<Record<ServerName, number>> {
  const cores: Partial<Record<ServerName, number>> = {};
  for (const name of Object.keys(end) as ServerName[]) cores[name] = Math.round(((end[name]! - (start[name] ?? 0)) / seconds) * 100) / 100;
  return cores;
}
