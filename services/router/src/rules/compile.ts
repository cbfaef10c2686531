import type { NotifyEvent } from '@notify/contracts';
import type { Rule } from '@notify/store';
import { describeIssues } from '@notify/contracts';
import { applyOutcome, defaultOutcome, type EffectiveOutcome } from './defaults';
import { forLiveActivity } from './live-activity-outcome';
import { RuleDefinition, type RuleMatch, type RuleOutcome } from './rule-definition';

type Test = (event: NotifyEvent) => boolean;

interface CompiledRule {
  readonly rule: Rule;
  /** Every condition, for explanations. */
  readonly tests: ReadonlyArray<{ what: string; test: Test }>;
  /** Which event types the rule can match (absent: all); the evaluation pre-filters on it. */
  readonly typeTest?: (type: string) => boolean;
  /** The conditions left once the type is known to match: the hot path runs only these. */
  readonly restTests: readonly Test[];
  readonly outcomeFor: (event: NotifyEvent) => EffectiveOutcome;
  readonly outcome: RuleOutcome;
}

/** Distinct event types are few; past this many, the per-type cache starts over rather than grow. */
const MAX_CACHED_TYPES = 10_000;

export interface Evaluation {
  /** null when no rule matched and the built-in defaults apply. */
  ruleId: string | null;
  revision: number | null;
  outcome: EffectiveOutcome;
}

export interface Explanation extends Evaluation {
  ruleName: string | null;
  /** Every enabled rule, in evaluation order, with why it did or did not match. */
  considered: Array<{ ruleId: string; name: string; order: number; matched: boolean; why: string }>;
  skipped: Array<{ ruleId: string; name: string; why: string }>;
}

/**
 * The rules compiled once per change into plain predicate closures, evaluated in `order`; the first
 * enabled rule whose every condition holds decides. A stored rule that no longer validates is
 * skipped (and reported), never allowed to stop routing.
 */
export class RuleSet {
  private readonly byType = new Map<string, readonly CompiledRule[]>();

  private constructor(
    private readonly compiled: readonly CompiledRule[],
    readonly skipped: ReadonlyArray<{ ruleId: string; name: string; why: string }>,
    readonly version: string,
  ) {}

  /** The rules that can match an event of this type, in order; computed once per type. */
  private candidatesFor(type: string): readonly CompiledRule[] {
    let candidates = this.byType.get(type);
    if (!candidates) {
      if (this.byType.size >= MAX_CACHED_TYPES) this.byType.clear();
      candidates = this.compiled.filter((c) => !c.typeTest || c.typeTest(type));
      this.byType.set(type, candidates);
    }
    return candidates;
  }

  static compile(rules: readonly Rule[]): RuleSet {
    const compiled: CompiledRule[] = [];
    const skipped: Array<{ ruleId: string; name: string; why: string }> = [];
    for (const rule of [...rules].sort((a, b) => a.order - b.order || a.ruleId.localeCompare(b.ruleId))) {
      if (!rule.enabled) {
        skipped.push({ ruleId: rule.ruleId, name: rule.name, why: 'disabled' });
        continue;
      }
      const parsed = RuleDefinition.safeParse(rule.definition);
      if (!parsed.success) {
        skipped.push({ ruleId: rule.ruleId, name: rule.name, why: `invalid definition: ${describeIssues(parsed.error)}` });
        continue;
      }
      const { match, outcome } = parsed.data;
      const { typeTest, tests } = compileMatch(match);
      compiled.push({
        rule,
        tests,
        ...(typeTest ? { typeTest } : {}),
        restTests: tests.filter((t) => !t.isType).map((t) => t.test),
        outcomeFor: (event) => applyOutcome(event, outcome),
        outcome,
      });
    }
    const version = rules.map((r) => `${r.ruleId}@${r.revision}`).sort().join(',');
    return new RuleSet(compiled, skipped, version);
  }

  static empty(): RuleSet {
    return new RuleSet([], [], '');
  }

  /** The batching policy of a loaded rule, for sending the digests it made. */
  batchingOf(ruleId: string): RuleOutcome['batching'] {
    return this.compiled.find((c) => c.rule.ruleId === ruleId)?.outcome.batching;
  }

  /** The push cap of a loaded rule, for the digests it made. */
  rateCapOf(ruleId: string): RuleOutcome['rateCap'] {
    return this.compiled.find((c) => c.rule.ruleId === ruleId)?.outcome.rateCap;
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The hot path: no allocation beyond the outcome. */
  evaluate(event: NotifyEvent): Evaluation {
    for (const candidate of this.candidatesFor(event.type)) {
      let matched = true;
      for (const test of candidate.restTests) {
        if (!test(event)) {
          matched = false;
          break;
        }
      }
      if (matched) return { ruleId: candidate.rule.ruleId, revision: candidate.rule.revision, outcome: forLiveActivity(event, candidate.outcomeFor(event)) };
    }
    return { ruleId: null, revision: null, outcome: forLiveActivity(event, defaultOutcome(event)) };
  }

  /** The dry run: the same decision as `evaluate`, with the reasoning for every rule. */
  explain(event: NotifyEvent): Explanation {
    const considered: Explanation['considered'] = [];
    let decided: CompiledRule | undefined;
    for (const candidate of this.compiled) {
      const failed = candidate.tests.find(({ test }) => !test(event));
      const matched = !failed && !decided;
      considered.push({
        ruleId: candidate.rule.ruleId,
        name: candidate.rule.name,
        order: candidate.rule.order,
        matched,
        why: failed ? `${failed.what} does not hold` : decided ? `matches, but rule ${decided.rule.ruleId} comes first` : candidate.tests.length ? `${candidate.tests.map((t) => t.what).join(' and ')}` : 'matches every event',
      });
      if (matched) decided = candidate;
    }
    const evaluation = decided ? { ruleId: decided.rule.ruleId, revision: decided.rule.revision, outcome: forLiveActivity(event, decided.outcomeFor(event)) } : { ruleId: null, revision: null, outcome: forLiveActivity(event, defaultOutcome(event)) };
    return { ...evaluation, ruleName: decided?.rule.name ?? null, considered, skipped: [...this.skipped] };
  }
}

function numeric(read: (e: NotifyEvent) => unknown, compare: (value: number) => boolean): Test {
  return (e) => {
    const value = read(e);
    return typeof value === 'number' && compare(value);
  };
}

function compileMatch(match: RuleMatch): { typeTest?: (type: string) => boolean; tests: Array<{ what: string; test: Test; isType?: boolean }> } {
  const tests: Array<{ what: string; test: Test; isType?: boolean }> = [];
  let typeTest: ((type: string) => boolean) | undefined;
  if (match.types && !match.types.includes('*')) {
    const exact = new Set(match.types.filter((t) => !t.endsWith('.*')));
    const prefixes = match.types.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1));
    const matchesType = (type: string) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
    typeTest = matchesType;
    tests.push({ what: `type is ${match.types.join(' or ')}`, test: (e) => matchesType(e.type), isType: true });
  }
  if (match.categories) {
    const categories = new Set(match.categories);
    tests.push({ what: `category is ${match.categories.join(' or ')}`, test: (e) => e.category !== undefined && categories.has(e.category) });
  }
  if (match.tenants) {
    const tenants = new Set(match.tenants);
    tests.push({ what: `tenant is ${match.tenants.join(' or ')}`, test: (e) => e.tenant !== undefined && tenants.has(e.tenant) });
  }
  if (match.priorities) {
    const priorities = new Set<string>(match.priorities);
    tests.push({ what: `priority is ${match.priorities.join(' or ')}`, test: (e) => priorities.has(e.priority ?? 'transactional') });
  }
  for (const condition of match.payload ?? []) {
    const path = condition.path.split('.');
    const read = (e: NotifyEvent): unknown => {
      let value: unknown = e.payload;
      for (const key of path) {
        if (value === null || typeof value !== 'object') return undefined;
        value = (value as Record<string, unknown>)[key];
      }
      return value;
    };
    const expected = condition.value;
    const what = `payload.${condition.path} ${condition.op}${condition.op === 'exists' ? '' : ` ${JSON.stringify(expected)}`}`;
    const test: Test = (() => {
      switch (condition.op) {
        case 'eq':
          return (e) => read(e) === expected;
        case 'ne':
          return (e) => read(e) !== expected;
        case 'in': {
          const options = new Set(expected as unknown[]);
          return (e) => options.has(read(e));
        }
        case 'exists':
          return (e) => (read(e) !== undefined) === (expected ?? true);
        case 'gt':
          return numeric(read, (v) => v > (expected as number));
        case 'gte':
          return numeric(read, (v) => v >= (expected as number));
        case 'lt':
          return numeric(read, (v) => v < (expected as number));
        case 'lte':
          return numeric(read, (v) => v <= (expected as number));
      }
    })();
    tests.push({ what, test });
  }
  return typeTest ? { typeTest, tests } : { tests };
}
