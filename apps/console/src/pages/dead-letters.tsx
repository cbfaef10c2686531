import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../api';
import type { PageProps } from '../app';
import { formatBytes, hexDump, prettyText, when } from '../format';
import './records.css';

/** The reasons a message is set aside (the dead-letter contract's closed list). */
const REASONS = ['malformed_json', 'unknown_version', 'invalid_envelope', 'too_large', 'no_recipient', 'unknown_type', 'handler_failed'] as const;
const STATES = ['open', 'replayed', 'discarded', 'all'] as const;

interface Letter {
  id: string;
  reason: string;
  message: string;
  source: { topic: string; partition?: number; offset?: string; key: string | null; groupId?: string };
  attempts: number;
  service: string;
  failedAt: string;
  bytes: number;
  state: 'open' | 'replayed' | 'discarded';
  handled?: { actionId: string; action: string; actor: string; at: string };
}
interface LetterDetail extends Letter {
  originalBase64: string;
  originalText: string | null;
}
interface ListAnswer {
  letters: Letter[];
  matched: number;
  caughtUp: boolean;
  index: { letters: number; bytes: number; maxBytes: number; dropped: number; oldest: string | null };
}
interface Action {
  actionId: string;
  action: 'replay' | 'discard';
  actor: string;
  at: string;
  letters: Array<{ id: string; reason: string; sourceTopic: string }>;
}
interface ActionResult {
  done: string[];
  skipped: Array<{ id: string; why: string }>;
}

interface Filter {
  reason: string;
  state: string;
  since: string;
  until: string;
}

/** `datetime-local` values are local time; the API takes ISO instants. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : '');

function queryOf(filter: Filter): string {
  const params = new URLSearchParams({ state: filter.state, limit: '200' });
  if (filter.reason) params.set('reason', filter.reason);
  if (filter.since) params.set('since', isoOf(filter.since));
  if (filter.until) params.set('until', isoOf(filter.until));
  return params.toString();
}

/**
 * Dead letters: what was set aside on notify.dlq, by reason and time; one letter's original bytes;
 * replay (after a fix) or discard many at once; and who did what.
 */
export default function DeadLettersPage({ api }: PageProps) {
  const [filter, setFilter] = useState<Filter>({ reason: '', state: 'open', since: '', until: '' });
  const [list, setList] = useState<ListAnswer | null>(null);
  const [actions, setActions] = useState<Action[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [shown, setShown] = useState<LetterDetail | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async (f = filter) => {
    setError(null);
    try {
      const [letters, log] = await Promise.all([api.get<ListAnswer>(`/v1/admin/dead-letters?${queryOf(f)}`), api.get<{ actions: Action[] }>('/v1/admin/dead-letters/actions?limit=200')]);
      setList(letters);
      setActions(log.actions);
      setSelected((s) => new Set([...s].filter((id) => letters.letters.some((l) => l.id === id && l.state === 'open'))));
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => void load(), []);

  const show = async (id: string) => {
    setError(null);
    try {
      setShown(await api.get<LetterDetail>(`/v1/admin/dead-letters/${encodeURIComponent(id)}`));
    } catch (err) {
      setError(errorText(err));
    }
  };

  const act = async (action: 'replay' | 'discard', ids: string[]) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const result = await api.post<ActionResult>(`/v1/admin/dead-letters/${action}`, { ids });
      const verb = action === 'replay' ? 'Replayed' : 'Discarded';
      const skipped = result.skipped.map((s) => `${s.id} (${s.why})`).join(', ');
      setNotice(`${verb} ${result.done.length} letter${result.done.length === 1 ? '' : 's'}${skipped ? `; left alone: ${skipped}` : ''}.`);
      setSelected(new Set());
      if (shown && ids.includes(shown.id)) await show(shown.id);
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const open = list?.letters.filter((l) => l.state === 'open') ?? [];
  const allSelected = open.length > 0 && open.every((l) => selected.has(l.id));
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(open.map((l) => l.id)));
  const chosen = [...selected];

  return (
    <section aria-labelledby="dl-title">
      <h1 id="dl-title">Dead letters</h1>
      <form
        class="panel row filters"
        aria-label="Filter dead letters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <div>
          <label for="dl-reason">Reason</label>
          <select id="dl-reason" value={filter.reason} onChange={(e) => setFilter({ ...filter, reason: e.currentTarget.value })}>
            <option value="">any</option>
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="dl-state">State</label>
          <select id="dl-state" value={filter.state} onChange={(e) => setFilter({ ...filter, state: e.currentTarget.value })}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="dl-since">Set aside from</label>
          <input id="dl-since" type="datetime-local" value={filter.since} onInput={(e) => setFilter({ ...filter, since: e.currentTarget.value })} />
        </div>
        <div>
          <label for="dl-until">until</label>
          <input id="dl-until" type="datetime-local" value={filter.until} onInput={(e) => setFilter({ ...filter, until: e.currentTarget.value })} />
        </div>
        <div class="filters-go">
          <button type="submit">Show letters</button>
        </div>
      </form>

      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" class="ok" data-testid="dl-notice">
        {notice}
      </p>

      {list && (
        <div class="panel">
          <div class="row spread">
            <p class="muted" data-testid="dl-summary">
              {list.letters.length} shown; {list.matched} letters of any state match the reason and time. This router holds {list.index.letters} letters ({formatBytes(list.index.bytes)} of {formatBytes(list.index.maxBytes)})
              {list.index.dropped > 0 ? `; ${list.index.dropped} older ones are only on the topic` : ''}
              {list.caughtUp ? '' : '; still reading the topic, refresh in a moment'}.
            </p>
            <div class="row">
              <button type="button" disabled={busy || chosen.length === 0} onClick={() => act('replay', chosen)}>
                Replay selected ({chosen.length})
              </button>
              <button type="button" class="secondary" disabled={busy || chosen.length === 0} onClick={() => act('discard', chosen)}>
                Discard selected ({chosen.length})
              </button>
            </div>
          </div>
          {list.letters.length === 0 ? (
            <p data-testid="dl-empty">No dead letters match.</p>
          ) : (
            <div class="table-scroll">
              <table aria-label="Dead letters" data-testid="dl-table">
                <thead>
                  <tr>
                    <th scope="col">
                      <input type="checkbox" aria-label="Select every open letter shown" checked={allSelected} disabled={open.length === 0} onChange={toggleAll} />
                    </th>
                    <th scope="col">Set aside</th>
                    <th scope="col">Reason</th>
                    <th scope="col">From</th>
                    <th scope="col">Detail</th>
                    <th scope="col">Size</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span class="sr-only">Bytes</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.letters.map((l) => (
                    <tr key={l.id} data-letter={l.id} class={shown?.id === l.id ? 'current' : undefined}>
                      <td>{l.state === 'open' && <input type="checkbox" aria-label={`Select letter ${l.id}`} checked={selected.has(l.id)} onChange={() => toggle(l.id)} />}</td>
                      <td>
                        <time dateTime={l.failedAt}>{when(l.failedAt)}</time>
                      </td>
                      <td>
                        <code>{l.reason}</code>
                      </td>
                      <td>
                        {l.source.topic}
                        {l.source.key ? <span class="muted"> · key {l.source.key}</span> : null}
                      </td>
                      <td class="wrap">{l.message}</td>
                      <td>{formatBytes(l.bytes)}</td>
                      <td data-testid="dl-state">
                        <span class={`badge ${l.state}`}>{l.state}</span>
                        {l.handled && (
                          <span class="muted">
                            {' '}
                            by {l.handled.actor}, {when(l.handled.at)}
                          </span>
                        )}
                      </td>
                      <td>
                        <button type="button" class="secondary" aria-label={`Show the bytes of letter ${l.id}`} onClick={() => show(l.id)}>
                          Bytes
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}

      {shown && <LetterBytes letter={shown} busy={busy} onAct={(action) => act(action, [shown.id])} onClose={() => setShown(null)} />}

      <h2 id="dl-log">Action log</h2>
      {actions.length === 0 ? (
        <p class="muted">Nobody has replayed or discarded a letter yet.</p>
      ) : (
        <div class="table-scroll panel">
          <table aria-labelledby="dl-log" data-testid="dl-actions">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Letters</th>
              </tr>
            </thead>
            <tbody>
              {actions.map((a) => (
                <tr key={a.actionId}>
                  <td>
                    <time dateTime={a.at}>{when(a.at)}</time>
                  </td>
                  <td data-testid="dl-actor">{a.actor}</td>
                  <td>{a.action === 'replay' ? 'replayed' : 'discarded'}</td>
                  <td class="wrap">{a.letters.map((l) => `${l.id} (${l.reason}, ${l.sourceTopic})`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One letter's original bytes: as text (JSON pretty-printed) when they are text, and as hex. */
function LetterBytes({ letter, busy, onAct, onClose }: { letter: LetterDetail; busy: boolean; onAct: (action: 'replay' | 'discard') => void; onClose: () => void }) {
  const bytes = Uint8Array.from(atob(letter.originalBase64), (c) => c.charCodeAt(0));
  return (
    <section class="panel" aria-labelledby="dl-bytes-title" data-testid="dl-bytes">
      <div class="row spread">
        <h2 id="dl-bytes-title">
          Letter {letter.id}: {letter.reason}
        </h2>
        <div class="row">
          {letter.state === 'open' ? (
            <>
              <button type="button" disabled={busy} onClick={() => onAct('replay')}>
                Replay this letter
              </button>
              <button type="button" class="secondary" disabled={busy} onClick={() => onAct('discard')}>
                Discard this letter
              </button>
            </>
          ) : (
            <span class={`badge ${letter.state}`}>
              {letter.state}
              {letter.handled ? ` by ${letter.handled.actor}` : ''}
            </span>
          )}
          <button type="button" class="link" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <p>{letter.message}</p>
      <dl class="facts">
        <dt>From</dt>
        <dd>
          {letter.source.topic} partition {letter.source.partition ?? '?'} offset {letter.source.offset ?? '?'}, key {letter.source.key ?? '(none)'}
        </dd>
        <dt>Set aside by</dt>
        <dd>
          {letter.service}, {letter.attempts === 0 ? 'on first sight' : `after ${letter.attempts} attempt${letter.attempts === 1 ? '' : 's'}`}, {when(letter.failedAt)}
        </dd>
        <dt>Size</dt>
        <dd>{formatBytes(letter.bytes)}</dd>
      </dl>
      <h3>Original bytes</h3>
      {letter.originalText !== null ? <pre data-testid="dl-original">{prettyText(letter.originalText)}</pre> : <p class="muted">Not UTF-8 text; see the hex below.</p>}
      <details>
        <summary>Hex{bytes.length > 1024 ? ' (first 1 KiB)' : ''}</summary>
        <pre>{hexDump(bytes.subarray(0, 1024))}</pre>
      </details>
    </section>
  );
}
