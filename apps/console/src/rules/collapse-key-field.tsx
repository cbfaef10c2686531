import { SUGGESTED_COLLAPSE_KEY, collapseKeyIn, withCollapseKey } from './collapse-key';

interface Props {
  /** The definition as typed (JSON); the key is read from it and written back into it. */
  definitionText: string;
  onChange: (definitionText: string) => void;
}

/**
 * The rule's collapse key as a field: unread notifications with the same key replace each other (in
 * the inbox, on sockets, on the device). Edits rewrite the definition's JSON, validated as any other edit.
 */
export function CollapseKeyField({ definitionText, onChange }: Props) {
  let definition: unknown;
  try {
    definition = JSON.parse(definitionText);
  } catch {
    return null; // the definition's own verdict says what is wrong with the JSON
  }
  const key = collapseKeyIn(definition);
  return (
    <fieldset class="collapse-key">
      <legend>Supersede by collapse key</legend>
      <label for="rule-collapse-key">Collapse key</label>
      <input id="rule-collapse-key" type="text" maxLength={64} placeholder={SUGGESTED_COLLAPSE_KEY} value={key} onInput={(e) => onChange(JSON.stringify(withCollapseKey(definition, e.currentTarget.value), null, 2))} aria-describedby="rule-collapse-key-hint" />
      <p id="rule-collapse-key-hint" class="muted">
        A notification replaces the user's unread one with the same key ("3 minutes away" in place of "5 minutes away"); a read one is never replaced. <code>{'{{payload.rideId}}'}</code> takes the value from each event's payload. Empty: the event's own key, if any.
      </p>
    </fieldset>
  );
}
