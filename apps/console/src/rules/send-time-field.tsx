import { SUGGESTED_LOCAL_TIME, digestSendTimeIn, withDigestSendTime, type DigestSendTime } from './send-time';

interface Props {
  /** The definition as typed (JSON); the send time is read from it and written back into it. */
  definitionText: string;
  onChange: (definitionText: string) => void;
}

/**
 * When a batching rule's digests go out, as a field: at the end of each window, at a fixed local time
 * in each user's time zone, or at each user's best hour (learned from when they read, with a fallback
 * time until there is enough data). Edits rewrite the definition's JSON, validated as any other edit.
 */
export function SendTimeField({ definitionText, onChange }: Props) {
  let definition: unknown;
  try {
    definition = JSON.parse(definitionText);
  } catch {
    return null; // the definition's own verdict says what is wrong with the JSON
  }
  const current = digestSendTimeIn(definition);
  if (current === null) return null; // only rules that batch into digests have a send time
  const change = (choice: DigestSendTime) => onChange(JSON.stringify(withDigestSendTime(definition, choice), null, 2));
  const time = current.kind === 'fixed' ? current.sendAt : current.kind === 'best' ? current.fallbackAt : SUGGESTED_LOCAL_TIME;
  return (
    <fieldset class="send-time">
      <legend>Digest send time</legend>
      <label for="rule-send-time">Send each digest</label>
      <select id="rule-send-time" value={current.kind} onChange={(e) => change(e.currentTarget.value === 'window' ? { kind: 'window' } : e.currentTarget.value === 'fixed' ? { kind: 'fixed', sendAt: time } : { kind: 'best', fallbackAt: time })}>
        <option value="window">at the end of its window</option>
        <option value="fixed">at a fixed local time</option>
        <option value="best">at each user’s best hour</option>
      </select>
      {current.kind !== 'window' && (
        <>
          <label for="rule-send-time-at">{current.kind === 'best' ? 'Until a user’s best hour is known, at' : 'At'}</label>
          <input id="rule-send-time-at" type="time" value={time} required onInput={(e) => e.currentTarget.value && change(current.kind === 'best' ? { kind: 'best', fallbackAt: e.currentTarget.value } : { kind: 'fixed', sendAt: e.currentTarget.value })} aria-describedby="rule-send-time-hint" />
        </>
      )}
      <p id="rule-send-time-hint" class="muted">
        Local times are on each user’s clock (their time zone). The best hour is learned from when the user reads notifications; the fallback time is used until they have read on enough days (see
        docs/send-time.md), and GET /v1/users/:userId/send-time shows a user’s.
      </p>
    </fieldset>
  );
}
