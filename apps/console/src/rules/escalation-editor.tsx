import { SUGGESTED_LADDER, describeAfter, ladderIn, withLadder, type LadderStep } from './escalation-ladder';

interface Props {
  /** The definition as typed (JSON); the ladder is read from it and written back into it. */
  definitionText: string;
  onChange: (definitionText: string) => void;
}

/**
 * The rule's escalation ladder as a form: in-app first, then each step unless the user read (or got)
 * it in time. Edits rewrite the definition's JSON, which the editor validates as any other edit.
 */
export function EscalationEditor({ definitionText, onChange }: Props) {
  let definition: unknown;
  try {
    definition = JSON.parse(definitionText);
  } catch {
    return null; // the definition's own verdict says what is wrong with the JSON
  }
  const steps = ladderIn(definition);
  const write = (next: LadderStep[] | null) => onChange(JSON.stringify(withLadder(definition, next), null, 2));
  const change = (index: number, patch: Partial<LadderStep>) => write(steps!.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  return (
    <fieldset class="escalation">
      <legend>Escalation ladder</legend>
      {steps === null ? (
        <p class="muted">
          Delivered in-app, then as the rule's channels say.{' '}
          <button type="button" class="secondary" onClick={() => write(SUGGESTED_LADDER)}>
            Add an escalation ladder
          </button>
        </p>
      ) : (
        <>
          <p class="muted">In-app first; each step is taken unless the user got there in time. Reading it on any device stops the ladder.</p>
          <ol>
            {steps.map((step, i) => (
              <li key={i} class="row">
                <label for={`esc-after-${i}`}>after (seconds)</label>
                <input id={`esc-after-${i}`} type="number" min={1} value={step.afterMs / 1000} onInput={(e) => change(i, { afterMs: Math.round(Number(e.currentTarget.value) * 1000) })} />
                <span class="muted">{describeAfter(step.afterMs)}</span>
                <label for={`esc-unless-${i}`}>unless</label>
                <select id={`esc-unless-${i}`} value={step.unless} onChange={(e) => change(i, { unless: e.currentTarget.value as LadderStep['unless'] })}>
                  <option value="read">read</option>
                  <option value="delivered">delivered</option>
                </select>
                <label for={`esc-to-${i}`}>escalate to</label>
                <select id={`esc-to-${i}`} value={step.to} onChange={(e) => change(i, { to: e.currentTarget.value as LadderStep['to'] })}>
                  <option value="push">push</option>
                  <option value="webhook">webhook (SMS, email)</option>
                </select>
                <button type="button" class="secondary" aria-label={`Remove step ${i + 1}`} onClick={() => write(steps.length > 1 ? steps.filter((_, j) => j !== i) : null)}>
                  Remove
                </button>
              </li>
            ))}
          </ol>
          <div class="row">
            <button type="button" class="secondary" disabled={steps.length >= 5} onClick={() => write([...steps, { afterMs: (steps[steps.length - 1]?.afterMs ?? 0) + 600_000, unless: 'read', to: 'webhook' }])}>
              Add a step
            </button>
            <button type="button" class="secondary" onClick={() => write(null)}>
              Remove the ladder
            </button>
          </div>
        </>
      )}
    </fieldset>
  );
}
