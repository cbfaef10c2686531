import { labelledBars } from './bars';
import type { ChartDefinition } from './definition';
import { formatCount } from './format';
import { machineSubtitle } from './machine';
import { titledChart } from './titled-chart';

/** The fields of bench/results/rule-evaluation.json this chart draws. */
interface RuleEvaluationResult {
  rules: number;
  distinctEvents: number;
  eventsMatchingARule: number;
  compileMs: number;
  evaluationsPerSecond: number;
  nanosecondsPerEvaluation: number;
}

export const ruleEvaluationChart: ChartDefinition = {
  name: 'rule-evaluation',
  reads: (name) => name === 'rule-evaluation',
  spec(results) {
    const runs = results.map((r) => r.data as RuleEvaluationResult);
    return titledChart(
      'Rule evaluation: evaluations per second on one core',
      [
        ...runs.map((r) => `${formatCount(r.eventsMatchingARule)} of ${formatCount(r.distinctEvents)} events match one of ${formatCount(r.rules)} rules; the rule set compiles in ${r.compileMs} ms`),
        machineSubtitle(runs),
      ],
      [
        labelledBars(
          runs.map((r) => ({
            label: `${formatCount(r.rules)} rules, ${formatCount(r.distinctEvents)} distinct events`,
            value: r.evaluationsPerSecond,
            text: `${formatCount(r.evaluationsPerSecond)} evaluations/s (${formatCount(r.nanosecondsPerEvaluation)} ns each)`,
          })),
          { valueTitle: 'rule evaluations per second' },
        ),
      ],
    );
  },
};
