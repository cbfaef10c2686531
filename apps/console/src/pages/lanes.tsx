import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../api';
import type { PageProps } from '../app';
import { when } from '../format';
import './records.css';
import './lanes.css';

/** GET /v1/admin/lanes, as the router answers it. */
interface GroupReport {
  groupId: string;
  members: number;
  lag: number | null;
  consumedPerSec: number | null;
}
interface TopicReport {
  topic: string;
  lane: string;
  background: boolean;
  written: number;
  writtenPerSec: number | null;
  groups: GroupReport[];
}
interface LanesReport {
  transport: 'kafka' | 'memory';
  sampledAt: string;
  sampleEveryMs: number;
  rateWindowMs: number;
  topics: TopicReport[];
  background: { backlog: number; waitingForCpu: number };
  routedToSocket: { count: number; p50Ms: number | null; p99Ms: number | null; windowMs: number; scope: string };
  digests: { open: number; full: number; nextFlushAt: string | null; nextDueAt: string | null };
  notes: string[];
}

/** How often the page asks again while it is live. */
const REFRESH_MS = 5000;
const STATE_LANE = 'state & changes';

const count = (n: number | null) => (n === null ? '—' : n.toLocaleString());
const rate = (n: number | null) => (n === null ? '—' : n.toLocaleString(undefined, { maximumFractionDigits: 1 }));
const ms = (n: number | null) => (n === null ? '—' : `${n.toLocaleString()} ms`);
const minutes = (n: number) => `${Math.round(n / 60_000)} min`;

/** A group with lag is behind; with lag and nobody in it, it is stalled. */
function LagCell({ group }: { group: GroupReport }) {
  const lag = group.lag;
  return (
    <td class="num" data-label="Lag" data-testid={`lag:${group.groupId}`}>
      {count(lag)}
      {lag !== null && lag > 0 && (group.members === 0 ? <span class="badge stalled"> no consumer</span> : <span class="badge behind"> behind</span>)}
    </td>
  );
}

/**
 * Lanes: per lane and topic, what is written per second, and for each consumer group its lag and
 * pace; the background backlog; routed → socket latency; digests waiting. Refreshes by itself.
 */
export default function LanesPage({ api }: PageProps) {
  const [report, setReport] = useState<LanesReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [showState, setShowState] = useState(false);
  const busy = useRef(false);

  const load = async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      setReport(await api.get<LanesReport>('/v1/admin/lanes'));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      busy.current = false;
    }
  };
  useEffect(() => void load(), []);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [live]);

  const topics = report?.topics.filter((t) => showState || t.lane !== STATE_LANE) ?? [];
  return (
    <section aria-labelledby="lanes-title">
      <div class="row spread">
        <h1 id="lanes-title">Lanes</h1>
        <div class="row">
          <button type="button" class="secondary" aria-pressed={!live} onClick={() => setLive(!live)}>
            {live ? 'Pause' : 'Resume'}
          </button>
          <button type="button" onClick={() => void load()}>
            Refresh now
          </button>
        </div>
      </div>
      <p class="muted" aria-live="polite">
        {report ? `Sampled ${when(report.sampledAt)} (${report.transport === 'kafka' ? 'Kafka' : 'in-process bus'}); ${live ? `refreshing every ${REFRESH_MS / 1000} s` : 'paused'}.` : 'Loading…'}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {report && (
        <>
          <div class="figures">
            <div class="panel">
              <h2>Background backlog</h2>
              <p class="figure" data-testid="backlog">{count(report.background.backlog)}</p>
              <p class="muted">Unread on the bulk lanes and the status trail; {count(report.background.waitingForCpu)} fetched and waiting for CPU here.</p>
            </div>
            <div class="panel">
              <h2>Routed → socket</h2>
              <p class="figure">
                p50 {ms(report.routedToSocket.p50Ms)} · p99 {ms(report.routedToSocket.p99Ms)}
              </p>
              <p class="muted">
                {count(report.routedToSocket.count)} in-app notifications over the last {minutes(report.routedToSocket.windowMs)}, seen by {report.routedToSocket.scope}.
              </p>
            </div>
            <div class="panel">
              <h2>Digests waiting</h2>
              <p class="figure" data-testid="digests-open">{count(report.digests.open)}</p>
              <p class="muted">
                {report.digests.nextDueAt ? `Next due ${when(report.digests.nextDueAt)}` : 'None open'}
                {report.digests.full > 0 ? `; ${count(report.digests.full)} full, due now` : ''}.
              </p>
            </div>
          </div>

          <div class="row spread">
            <h2>Topics and consumer groups</h2>
            <label class="row">
              <input type="checkbox" checked={showState} onChange={(e) => setShowState(e.currentTarget.checked)} /> Show state and change topics
            </label>
          </div>
          <div class="table-scroll">
            <table class="lanes-table">
              <caption class="sr-only">Throughput and consumer lag per lane and topic; rates over up to {minutes(report.rateWindowMs)}</caption>
              <thead>
                <tr>
                  <th scope="col">Lane</th>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Written/s</th>
                  <th scope="col">Consumer group</th>
                  <th scope="col" class="num">Members</th>
                  <th scope="col" class="num">Lag</th>
                  <th scope="col" class="num">Consumed/s</th>
                </tr>
              </thead>
              <tbody>
                {topics.flatMap((t) => {
                  const groups: Array<GroupReport | null> = t.groups.length > 0 ? t.groups : [null];
                  return groups.map((g, i) => (
                    <tr key={`${t.topic}/${g?.groupId ?? ''}`} class={i === 0 ? 'topic-start' : undefined} data-testid={`topic:${t.topic}`}>
                      {i === 0 && (
                        <>
                          <th scope="rowgroup" rowSpan={groups.length}>
                            {t.lane}
                            {t.background && <span class="badge"> background</span>}
                          </th>
                          <td rowSpan={groups.length} data-label="Topic">
                            <code>{t.topic}</code>
                            <div class="muted">{count(t.written)} written</div>
                          </td>
                          <td class="num" rowSpan={groups.length} data-label="Written/s">
                            {rate(t.writtenPerSec)}
                          </td>
                        </>
                      )}
                      {g ? (
                        <>
                          <td data-label="Consumer group">{g.groupId}</td>
                          <td class="num" data-label="Members">{g.members}</td>
                          <LagCell group={g} />
                          <td class="num" data-label="Consumed/s">{rate(g.consumedPerSec)}</td>
                        </>
                      ) : (
                        <td colSpan={4} class="muted">
                          No consumer group
                        </td>
                      )}
                    </tr>
                  ));
                })}
              </tbody>
            </table>
          </div>
          {report.notes.length > 0 && (
            <ul class="notes muted">
              {report.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
