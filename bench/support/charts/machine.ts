import { formatCount } from './format';

/** What benchmarks record about where they ran; the older ones write `cores` and `cpu`, the newer `cpus` and `model`. */
interface Stamp {
  machine?: { cpus?: number; cores?: number; model?: string; cpu?: string; node?: string };
  takenAt?: string;
  at?: string;
}

const describe = ({ machine }: Stamp): string | undefined => {
  if (!machine) return undefined;
  const cores = machine.cpus ?? machine.cores;
  const model = machine.model ?? machine.cpu;
  const processor = cores === undefined ? model : `${formatCount(cores)} ${cores === 1 ? 'core' : 'cores'}${model ? ` (${model})` : ''}`;
  return [processor, machine.node && `Node ${machine.node}`].filter(Boolean).join(', ');
};

const day = ({ takenAt, at }: Stamp): string | undefined => (takenAt ?? at)?.slice(0, 10);

/**
 * The subtitle line naming the machine and the day the numbers were taken, so a chart read on its
 * own still says what hardware it describes. Results taken on different machines list each one.
 */
export function machineSubtitle(results: readonly unknown[]): string {
  const stamps = results as Stamp[];
  const machines = [...new Set(stamps.map(describe).filter((m): m is string => Boolean(m)))];
  const days = [...new Set(stamps.map(day).filter((d): d is string => Boolean(d)))].sort();
  const taken = days.length === 0 ? '' : days.length === 1 ? `taken ${days[0]}` : `taken ${days[0]} to ${days.at(-1)}`;
  return [machines.length ? `Machine: ${machines.join('; ')}` : 'Machine not recorded', taken].filter(Boolean).join(' · ');
}
