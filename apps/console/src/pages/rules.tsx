import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText, type Api } from '../api';
import type { PageProps } from '../app';
import { when } from '../format';
import { useDebounced } from '../rules/debounce';
import { ruleDiff, type EditableRule } from '../rules/rule-diff';
import { CollapseKeyField } from '../rules/collapse-key-field';
import { SendTimeField } from '../rules/send-time-field';
import { EscalationEditor } from '../rules/escalation-editor';
import { BudgetField } from '../rules/budget-field';

interface Rule extends EditableRule {
  ruleId: string;
  revision: number;
  updatedAt: string;
  updatedBy: string;
}
interface RuleVersion {
  revision: number;
  action: string;
  actor: string;
  at: string;
  snapshot: Rule | null;
}
interface Verdict {
  valid: boolean;
  message?: string;
  issues: Array<{ path: string; message: string }>;
}
interface DryRunRecipient {
  userId: string;
  online: boolean;
  lanes: string[];
  suppressed?: string;
  quietHours?: { until: string; pushes: string };
  digest?: { digestKey: string; sendAt: string; maxItems: number; sendTime?: { sendAt: string; source: 'learned' | 'fallback'; hour: number | null } };
  rateCap?: { max: number; per: string };
}
interface DryRun {
  ruleId: string | null;
  ruleName: string | null;
  outcome: { priority: string; channels: { mode: string } };
  plan: { kind: string; lane?: string; reason?: string };
  recipients: DryRunRecipient[];
}

/** What the editor holds: the rule's fields, the definition as the text being typed. */
interface Draft {
  ruleId: string;
  name: string;
  enabled: boolean;
  order: number;
  definitionText: string;
}

const NEW_DEFINITION = { match: { types: ['example.*'] }, outcome: { priority: 'transactional', channels: { mode: 'inapp_then_push', pushAfterMs: 30000 } } };
const draftOf = (rule: Rule | null): Draft =>
  rule ? { ruleId: rule.ruleId, name: rule.name, enabled: rule.enabled, order: rule.order, definitionText: JSON.stringify(rule.definition, null, 2) } : { ruleId: '', name: '', enabled: true, order: 100, definitionText: JSON.stringify(NEW_DEFINITION, null, 2) };

function parsedDefinition(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: `definition is not valid JSON: ${(err as Error).message}` };
  }
}

/** Rules: the list with hits per minute, an editor with live validation, diff, dry run, history and rollback. */
export default function RulesPage({ api }: PageProps) {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [hits, setHits] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | null>(null);
  // null: nothing open; 'new': a rule being created; otherwise the id of the rule being edited.
  const [editing, setEditing] = useState<string | null>(null);
  // Bumped when the editor should start over from the latest revision (after a save, a rollback, a conflict).
  const [generation, setGeneration] = useState(0);

  const load = async () => {
    try {
      const [list, rate] = await Promise.all([api.get<{ rules: Rule[] }>('/v1/admin/rules'), api.get<{ hits: Record<string, number> }>('/v1/admin/rules/hits')]);
      setRules(list.rules);
      setHits(rate.hits);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, [api]);

  const current = rules?.find((r) => r.ruleId === editing) ?? null;
  return (
    <section>
      <div class="row">
        <h1>Rules</h1>
        <button type="button" onClick={() => setEditing('new')}>
          New rule
        </button>
        <button type="button" class="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {rules && <RuleList rules={rules} hits={hits} onEdit={setEditing} />}
      {editing && (
        <RuleEditor
          key={`${editing}#${generation}`}
          api={api}
          rule={editing === 'new' ? null : current}
          onSaved={async (saved) => {
            await load();
            setEditing(saved.ruleId);
            setGeneration((g) => g + 1);
          }}
          onClose={() => setEditing(null)}
          reload={async () => {
            await load();
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </section>
  );
}

function RuleList({ rules, hits, onEdit }: { rules: Rule[]; hits: Record<string, number>; onEdit: (ruleId: string) => void }) {
  if (rules.length === 0) return <p class="muted">No rules yet: every event gets the defaults of its priority.</p>;
  return (
    <div class="panel table-scroll">
      <table aria-label="Rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Order</th>
            <th scope="col">State</th>
            <th scope="col">Hits / min</th>
            <th scope="col">Revision</th>
            <th scope="col">Last change</th>
            <th scope="col">
              <span class="muted">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {[...rules]
            .sort((a, b) => a.order - b.order)
            .map((rule) => (
              <tr key={rule.ruleId} data-rule={rule.ruleId}>
                <td>
                  <strong>{rule.name}</strong>
                  <br />
                  <code class="muted">{rule.ruleId}</code>
                </td>
                <td>{rule.order}</td>
                <td>{rule.enabled ? 'enabled' : 'disabled'}</td>
                <td data-testid={`hits-${rule.ruleId}`}>{hits[rule.ruleId] ?? 0}</td>
                <td>{rule.revision}</td>
                <td>
                  {rule.updatedBy}, {when(rule.updatedAt)}
                </td>
                <td>
                  <button type="button" class="secondary" onClick={() => onEdit(rule.ruleId)} aria-label={`Edit ${rule.ruleId}`}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

function RuleEditor({ api, rule: latest, onSaved, onClose, reload }: { api: Api; rule: Rule | null; onSaved: (rule: Rule) => Promise<void>; onClose: () => void; reload: () => Promise<void> }) {
  // The revision the person opened: saves expect it, so a change made meanwhile by someone else is a 409, not overwritten.
  const [rule] = useState(latest);
  const [draft, setDraft] = useState<Draft>(draftOf(rule));
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [saveError, setSaveError] = useState<{ message: string; conflict: boolean } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const settled = useDebounced(draft, 300);
  const definition = parsedDefinition(draft.definitionText);
  const edited: EditableRule | null = definition.ok ? { name: draft.name, enabled: draft.enabled, order: draft.order, definition: definition.value } : null;
  const body = () => ({ ...(rule ? {} : draft.ruleId ? { ruleId: draft.ruleId } : {}), name: draft.name, enabled: draft.enabled, order: draft.order, definition: edited?.definition });

  // Live validation: the checks a save runs, asked once typing pauses.
  useEffect(() => {
    const parsed = parsedDefinition(settled.definitionText);
    if (!parsed.ok) return setVerdict({ valid: false, message: parsed.message, issues: [] });
    let current = true;
    api
      .post<Verdict>('/v1/admin/rules/validate', { ...(rule || !settled.ruleId ? {} : { ruleId: settled.ruleId }), name: settled.name, enabled: settled.enabled, order: settled.order, definition: parsed.value })
      .then((v) => current && setVerdict(v), (err) => current && setVerdict({ valid: false, message: errorText(err), issues: [] }));
    return () => {
      current = false;
    };
  }, [settled, api]);

  const save = async () => {
    setSaveError(null);
    setSaved(null);
    try {
      const result = rule ? await api.patch<Rule>(`/v1/admin/rules/${encodeURIComponent(rule.ruleId)}`, { ...body(), expectedRevision: rule.revision }) : await api.post<Rule>('/v1/admin/rules', body());
      setSaved(`Saved as revision ${result.revision}.`);
      await onSaved(result);
    } catch (err) {
      const conflict = err instanceof ApiError && err.status === 409;
      setSaveError({ conflict, message: conflict ? `Not saved: someone changed this rule since you opened it (you edited revision ${rule?.revision}). ${errorText(err)}` : `Not saved: ${errorText(err)}` });
    }
  };

  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const titleId = 'rule-editor-title';
  return (
    <div class="panel" role="region" aria-labelledby={titleId}>
      <div class="row">
        <h2 id={titleId}>{rule ? `Edit ${rule.ruleId} (revision ${rule.revision})` : 'New rule'}</h2>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <div class="columns">
        <div>
          {!rule && (
            <>
              <label for="rule-id">Rule id</label>
              <input id="rule-id" value={draft.ruleId} onInput={(e) => set({ ruleId: e.currentTarget.value })} placeholder="generated when empty" />
            </>
          )}
          <label for="rule-name">Name</label>
          <input id="rule-name" value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} />
          <div class="row">
            <div>
              <label for="rule-order">Order</label>
              <input id="rule-order" type="number" value={draft.order} onInput={(e) => set({ order: Number(e.currentTarget.value) })} />
            </div>
            <label class="row">
              <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} /> Enabled
            </label>
          </div>
          <label for="rule-definition">Definition (JSON)</label>
          <textarea id="rule-definition" rows={14} spellcheck={false} value={draft.definitionText} onInput={(e) => set({ definitionText: e.currentTarget.value })} aria-describedby="rule-verdict" />
          <CollapseKeyField definitionText={draft.definitionText} onChange={(definitionText) => set({ definitionText })} />
          <SendTimeField definitionText={draft.definitionText} onChange={(definitionText) => set({ definitionText })} />
          <EscalationEditor definitionText={draft.definitionText} onChange={(definitionText) => set({ definitionText })} />
          <BudgetField definitionText={draft.definitionText} onChange={(definitionText) => set({ definitionText })} />
          <div id="rule-verdict" role="status" aria-live="polite">
            {verdict === null ? (
              <p class="muted">Checking…</p>
            ) : verdict.valid ? (
              <p class="ok">Valid: a save would be accepted.</p>
            ) : (
              <div class="error">
                <p>{verdict.message}</p>
                {verdict.issues.length > 0 && (
                  <ul>
                    {verdict.issues.map((i) => (
                      <li key={`${i.path}:${i.message}`}>
                        <code>{i.path}</code>: {i.message}
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
          </div>
          <div class="row">
            <button type="button" onClick={() => void save()} disabled={!verdict?.valid}>
              {rule ? `Save (expects revision ${rule.revision})` : 'Create'}
            </button>
          </div>
          {saved && (
            <p role="status" class="ok">
              {saved}
            </p>
          )}
          {saveError && (
            <div role="alert" class="error">
              <p>{saveError.message}</p>
              {saveError.conflict && (
                <button type="button" class="secondary" onClick={() => void reload()}>
                  Load the latest revision (your edits are discarded)
                </button>
              )}
            </div>
          )}
        </div>
        <div>
          <h3>Changes against revision {rule?.revision ?? '—'}</h3>
          {edited ? <Diff before={rule} after={edited} /> : <p class="muted">Fix the JSON to see the changes.</p>}
        </div>
      </div>
      <DryRunPanel api={api} candidate={verdict?.valid && edited ? { ...body(), ruleId: rule?.ruleId ?? (draft.ruleId || '(new rule)') } : null} types={typesOf(edited?.definition)} />
      {rule && <History api={api} rule={rule} onRolledBack={onSaved} />}
    </div>
  );
}

const typesOf = (definition: unknown): string[] => {
  const types = (definition as { match?: { types?: unknown } } | undefined)?.match?.types;
  return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [];
};

function Diff({ before, after }: { before: EditableRule | null; after: EditableRule }) {
  const lines = ruleDiff(before, after);
  const changed = lines.some((l) => l.kind !== 'same');
  return (
    <div>
      <p class="muted" data-testid="diff-summary">
        {changed ? `${lines.filter((l) => l.kind === 'added').length} lines added, ${lines.filter((l) => l.kind === 'removed').length} removed` : 'No changes'}
      </p>
      <pre aria-label="Diff against the current revision" data-testid="diff">
        {lines.map((l, i) => (
          <span key={i} class={l.kind === 'added' ? 'diff-add' : l.kind === 'removed' ? 'diff-del' : undefined}>
            {l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}
            {l.text}
            {'\n'}
          </span>
        ))}
      </pre>
    </div>
  );
}

const sampleEvent = (type: string) => JSON.stringify({ version: 1, id: `dry-run-${Date.now()}`, type, to: { userId: 'user-1' }, payload: { title: 'Hello' }, createdAt: new Date().toISOString() }, null, 2);

function DryRunPanel({ api, candidate, types }: { api: Api; candidate: Record<string, unknown> | null; types: string[] }) {
  const [eventText, setEventText] = useState(() => sampleEvent((types[0] ?? 'example.event').replace('*', 'sample')));
  const [recentType, setRecentType] = useState(types.find((t) => !t.includes('*')) ?? '');
  const [recent, setRecent] = useState<Array<{ id: string; createdAt: string; type: string }> | null>(null);
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadRecent = async () => {
    try {
      setRecent((await api.get<{ events: Array<{ id: string; createdAt: string; type: string }> }>(`/v1/admin/events/recent?type=${encodeURIComponent(recentType)}`)).events);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const run = async () => {
    setError(null);
    setResult(null);
    let event: unknown;
    try {
      event = JSON.parse(eventText);
    } catch (err) {
      return setError(`the event is not valid JSON: ${(err as Error).message}`);
    }
    try {
      setResult(await api.post<DryRun>('/v1/admin/rules/dry-run', { event, ...(candidate ? { candidate } : {}) }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div role="region" aria-labelledby="dry-run-title">
      <h3 id="dry-run-title">Dry run {candidate ? 'with this draft' : 'with the saved rules'}</h3>
      <div class="columns">
        <div>
          <label for="dry-run-event">Event (JSON)</label>
          <textarea id="dry-run-event" rows={9} spellcheck={false} value={eventText} onInput={(e) => setEventText(e.currentTarget.value)} />
          <div class="row">
            <label for="recent-type">Or one of the last events of type</label>
            <input id="recent-type" value={recentType} onInput={(e) => setRecentType(e.currentTarget.value)} />
            <button type="button" class="secondary" onClick={() => void loadRecent()}>
              Load recent events
            </button>
          </div>
          {recent && (recent.length === 0 ? <p class="muted">No recent events of that type on this router.</p> : (
            <>
              <label for="recent-event">Recent event</label>
              <select id="recent-event" onChange={(e) => {
                const picked = recent[Number(e.currentTarget.value)];
                if (picked) setEventText(JSON.stringify(picked, null, 2));
              }}>
                <option value="">Choose…</option>
                {recent.map((e, i) => (
                  <option key={e.id} value={i}>
                    {e.id} ({when(e.createdAt)})
                  </option>
                ))}
              </select>
            </>
          ))}
          <div class="row">
            <button type="button" onClick={() => void run()}>
              Dry run
            </button>
          </div>
          {error && (
            <p role="alert" class="error">
              {error}
            </p>
          )}
        </div>
        <div aria-live="polite" data-testid="dry-run-result">
          {result && <DryRunResult result={result} />}
        </div>
      </div>
    </div>
  );
}

function DryRunResult({ result }: { result: DryRun }) {
  return (
    <div>
      <p>
        Decided by <strong>{result.ruleId ? `${result.ruleName} (${result.ruleId})` : 'the defaults (no rule matched)'}</strong>: priority <strong>{result.outcome.priority}</strong>, {result.outcome.channels.mode.replaceAll('_', ' ')}; plan <strong>{result.plan.kind}</strong>
        {result.plan.lane ? ` on ${result.plan.lane}` : ''}
        {result.plan.reason ? ` (${result.plan.reason})` : ''}.
      </p>
      {result.recipients.length > 0 && (
        <div class="table-scroll">
          <table aria-label="Dry run per recipient">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Lanes</th>
                <th scope="col">Digest</th>
                <th scope="col">Rate cap</th>
                <th scope="col">Quiet hours</th>
                <th scope="col">Suppressed</th>
              </tr>
            </thead>
            <tbody>
              {result.recipients.map((r) => (
                <tr key={r.userId}>
                  <td>
                    {r.userId} <span class="muted">({r.online ? 'online' : 'offline'})</span>
                  </td>
                  <td>{r.lanes.join(', ') || '—'}</td>
                  <td>{r.digest ? `${r.digest.digestKey}, sent ${when(r.digest.sendAt)}${r.digest.sendTime ? (r.digest.sendTime.source === 'learned' ? ` (the user’s best hour, ${r.digest.sendTime.sendAt})` : ` (the fallback, ${r.digest.sendTime.sendAt}: not enough reads yet)`) : ''}` : '—'}</td>
                  <td>{r.rateCap ? `at most ${r.rateCap.max} per ${r.rateCap.per}` : '—'}</td>
                  <td>{r.quietHours ? `${r.quietHours.pushes} until ${when(r.quietHours.until)}` : '—'}</td>
                  <td>{r.suppressed ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function History({ api, rule, onRolledBack }: { api: Api; rule: Rule; onRolledBack: (rule: Rule) => Promise<void> }) {
  const [versions, setVersions] = useState<RuleVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<{ versions: RuleVersion[] }>(`/v1/admin/rules/${encodeURIComponent(rule.ruleId)}/history`).then((r) => setVersions(r.versions), (err) => setError(errorText(err)));
  }, [api, rule.ruleId, rule.revision]);
  const rollback = async (toRevision: number) => {
    try {
      await onRolledBack(await api.post<Rule>(`/v1/admin/rules/${encodeURIComponent(rule.ruleId)}/rollback`, { toRevision }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div role="region" aria-labelledby="history-title">
      <h3 id="history-title">History</h3>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {versions && (
        <div class="table-scroll">
          <table aria-label="History">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span class="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...versions].reverse().map((v) => (
                <tr key={v.revision}>
                  <td>{v.revision}</td>
                  <td>{v.action.replace('_', ' ')}</td>
                  <td>{v.actor}</td>
                  <td>{when(v.at)}</td>
                  <td>
                    {v.snapshot && v.revision !== rule.revision && (
                      <button type="button" class="secondary" onClick={() => void rollback(v.revision)} aria-label={`Roll back to revision ${v.revision}`}>
                        Roll back to this
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
