/**
 * Rule evaluation throughput on one core: a realistic rule set (100 rules of mixed shapes, most
 * events matching late or not at all), 10,000 distinct events, evaluated in a tight loop.
 * Prints the numbers and writes bench/results/rule-evaluation.json and its chart.
 */
import { cpus } from 'node:os';
import type { NotifyEvent } from '@notify/contracts';
import { RuleSet } from '@notify/router';
import type { Rule } from '@notify/store';
import { saveResults } from './support/results';

const RULES = Number(process.env.BENCH_RULES ?? 100);
const EVENTS = 10_000;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);

const now = new Date();
const rules: Rule[] = Array.from({ length: RULES }, (_, i) => {
  const shape = i % 4;
  const match =
    shape === 0
      ? { types: [`svc${i}.*`] }
      : shape === 1
        ? { types: [`svc${i}.created`, `svc${i}.updated`], categories: ['orders', 'billing'] }
        : shape === 2
          ? { tenants: [`tenant-${i}`], payload: [{ path: 'order.total', op: 'gte', value: 100 }] }
          : { categories: [`cat-${i}`], priorities: ['marketing'], payload: [{ path: 'segment', op: 'in', value: ['vip', 'new'] }] };
  return { ruleId: `r${i}`, name: `rule ${i}`, enabled: true, order: i, definition: { match, outcome: { priority: shape === 3 ? 'marketing' : 'transactional' } }, revision: 1, createdAt: now, updatedAt: now, updatedBy: 'bench' };
});

const events: NotifyEvent[] = Array.from({ length: EVENTS }, (_, i) => ({
  version: 1,
  id: `e${i}`,
  type: `svc${i % (RULES * 2)}.${i % 3 ? 'created' : 'updated'}`,
  to: { userId: `u${i}` },
  category: i % 2 ? 'orders' : `cat-${i % RULES}`,
  tenant: `tenant-${i % (RULES * 3)}`,
  priority: i % 5 ? 'transactional' : 'marketing',
  payload: { order: { total: i % 250 }, segment: i % 7 ? 'regular' : 'vip' },
  createdAt: now.toISOString(),
}));

const compileStarted = performance.now();
const ruleSet = RuleSet.compile(rules);
const compileMs = performance.now() - compileStarted;

// Warm up the JIT, then measure.
let sink = 0;
for (let i = 0; i < 200_000; i++) sink += ruleSet.evaluate(events[i % EVENTS]!).ruleId ? 1 : 0;
let evaluations = 0;
const matchedBy = new Map<string, number>();
const started = performance.now();
while (performance.now() - started < DURATION_MS) {
  for (let i = 0; i < 10_000; i++) {
    const result = ruleSet.evaluate(events[(evaluations + i) % EVENTS]!);
    if (evaluations === 0) matchedBy.set(result.ruleId ?? 'defaults', (matchedBy.get(result.ruleId ?? 'defaults') ?? 0) + 1);
    sink += result.ruleId ? 1 : 0;
  }
  evaluations += 10_000;
}
const elapsedMs = performance.now() - started;
const perSecond = Math.round((evaluations / elapsedMs) * 1000);
const matched = events.filter((e) => ruleSet.evaluate(e).ruleId !== null).length;

const result = {
  benchmark: 'rule-evaluation',
  at: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  rules: RULES,
  distinctEvents: EVENTS,
  eventsMatchingARule: matched,
  compileMs: Number(compileMs.toFixed(2)),
  evaluations,
  elapsedMs: Math.round(elapsedMs),
  evaluationsPerSecond: perSecond,
  nanosecondsPerEvaluation: Math.round(1e6 / (perSecond / 1000)),
  checksum: sink,
};
console.log(`rule evaluation: ${perSecond.toLocaleString('en-US')} evaluations/s on one core (${RULES} rules, ${matched}/${EVENTS} events match a rule, compile ${result.compileMs} ms)`);
await saveResults('rule-evaluation', result);
