/** One step of a rule's escalation ladder, as the rules API takes it. */
export interface LadderStep {
  afterMs: number;
  unless: 'read' | 'delivered';
  to: 'push' | 'webhook';
}

/** The ladder a console user starts from: push after 2 minutes, then the product's SMS/email after 15. */
export const SUGGESTED_LADDER: LadderStep[] = [
  { afterMs: 120_000, unless: 'read', to: 'push' },
  { afterMs: 900_000, unless: 'read', to: 'webhook' },
];

type Definition = { outcome?: Record<string, unknown> } & Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ladder of a definition (parsed JSON), or null when it has none or is not an object. */
export function ladderIn(definition: unknown): LadderStep[] | null {
  if (!isObject(definition) || !isObject(definition.outcome) || !isObject(definition.outcome.escalation)) return null;
  const steps = definition.outcome.escalation.steps;
  if (!Array.isArray(steps)) return null;
  return steps.filter(isObject).map((s) => ({
    afterMs: typeof s.afterMs === 'number' ? s.afterMs : 0,
    unless: s.unless === 'delivered' ? 'delivered' : 'read',
    to: s.to === 'webhook' ? 'webhook' : 'push',
  }));
}

/**
 * The definition with this ladder as its outcome's escalation (null: without one). A ladder sends
 * in-app only, so a channel mode that conflicts with it is set to "inapp_only"; the rest is untouched.
 */
export function withLadder(definition: unknown, steps: LadderStep[] | null): Definition {
  const base: Definition = isObject(definition) ? { ...definition } : {};
  const outcome: Record<string, unknown> = isObject(base.outcome) ? { ...base.outcome } : {};
  if (steps === null) delete outcome.escalation;
  else {
    outcome.escalation = { steps: steps.map((s) => ({ afterMs: s.afterMs, unless: s.unless, to: s.to })) };
    if (isObject(outcome.channels) && outcome.channels.mode !== 'inapp_only') outcome.channels = { mode: 'inapp_only' };
  }
  return { ...base, outcome };
}

/** "2 min", "15 min", "90 s", "1 h 30 min": how the editor shows a step's time. */
export function describeAfter(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return rest === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${rest} min`;
}
