import { useState } from 'preact/hooks';
import { ApiError, errorText } from '../api';
import type { PageProps } from '../app';
import { when } from '../format';
import { BudgetSpendLine } from './budget-spend';
import './records.css';

interface Step {
  eventId: string;
  notificationId?: string;
  userId?: string;
  status: string;
  channel?: string;
  reason?: string;
  service: string;
  at: string;
  detail?: Record<string, unknown>;
}
interface UserNotification {
  notificationId: string;
  eventId: string;
  status: string;
  channel?: string;
  reason?: string;
  at: string;
  firstAt: string;
}

type Found = { kind: 'event'; eventId: string; history: Step[] } | { kind: 'user'; userId: string; notifications: UserNotification[]; next: string | null };

/** Histories are read a page at a time; the console shows a whole one (up to this many pages). */
const MAX_HISTORY_PAGES = 20;

/** Every page of a history, following each answer's `next`. */
async function wholeHistory(get: (url: string) => Promise<{ history: Step[]; next: string | null }>, url: string): Promise<Step[]> {
  const steps: Step[] = [];
  let next: string | null = null;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const answer = await get(`${url}?limit=500${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    steps.push(...answer.history);
    next = answer.next;
    if (!next) break;
  }
  return steps;
}

/** Steps of one notification (or the event's own, without one), in the order they happened. */
function byNotification(history: Step[]): Array<[string, Step[]]> {
  const groups = new Map<string, Step[]>();
  for (const step of history) {
    const key = step.notificationId ?? '';
    groups.set(key, [...(groups.get(key) ?? []), step]);
  }
  return [...groups];
}

/**
 * The status trail: find a notification by its event id or its user, and read what happened to it,
 * step by step (routed, sent, delivered, read, pushed, or why not).
 */
export default function TrailPage({ api }: PageProps) {
  const [eventId, setEventId] = useState('');
  const [userId, setUserId] = useState('');
  const [found, setFound] = useState<Found | null>(null);
  const [opened, setOpened] = useState<{ notificationId: string; history: Step[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await task();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? `Nothing found: ${err.message}` : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const findEvent = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      setFound(null);
      setOpened(null);
      const id = eventId.trim();
      const history = await wholeHistory((url) => api.get(url), `/v1/events/${encodeURIComponent(id)}/history`);
      setFound({ kind: 'event', eventId: id, history });
    });
  };
  const findUser = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      setFound(null);
      setOpened(null);
      const answer = await api.get<{ userId: string; notifications: UserNotification[]; next: string | null }>(`/v1/admin/users/${encodeURIComponent(userId.trim())}/notifications?limit=50`);
      setFound({ kind: 'user', ...answer });
    });
  };
  const moreOfUser = (shown: Extract<Found, { kind: 'user' }>) =>
    run(async () => {
      const answer = await api.get<{ notifications: UserNotification[]; next: string | null }>(`/v1/admin/users/${encodeURIComponent(shown.userId)}/notifications?limit=50&cursor=${encodeURIComponent(shown.next!)}`);
      setFound({ ...shown, notifications: [...shown.notifications, ...answer.notifications], next: answer.next });
    });
  const open = (notificationId: string) =>
    run(async () => {
      const history = await wholeHistory((url) => api.get(url), `/v1/notifications/${encodeURIComponent(notificationId)}/history`);
      setOpened({ notificationId, history });
    });

  return (
    <section aria-labelledby="trail-title">
      <h1 id="trail-title">Trail</h1>
      <div class="finders">
        <form class="panel" onSubmit={findEvent} aria-label="Find by event id">
          <label for="trail-event">Event id</label>
          <div class="row">
            <input id="trail-event" value={eventId} onInput={(e) => setEventId(e.currentTarget.value)} required placeholder="the id the product sent" />
            <button type="submit" disabled={busy}>
              Find event
            </button>
          </div>
        </form>
        <form class="panel" onSubmit={findUser} aria-label="Find by user id">
          <label for="trail-user">User id</label>
          <div class="row">
            <input id="trail-user" value={userId} onInput={(e) => setUserId(e.currentTarget.value)} required placeholder="a recipient" />
            <button type="submit" disabled={busy}>
              Find user
            </button>
          </div>
        </form>
      </div>

      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}

      {found?.kind === 'event' && (
        <section class="panel" aria-labelledby="trail-event-title" data-testid="trail-event">
          <h2 id="trail-event-title">Event {found.eventId}</h2>
          {byNotification(found.history).map(([notificationId, steps]) => (
            <Timeline key={notificationId} title={notificationId ? `Notification ${notificationId}${steps[0]?.userId ? ` (to ${steps[0].userId})` : ''}` : 'The event itself'} steps={steps} />
          ))}
        </section>
      )}

      {found?.kind === 'user' && (
        <section class="panel" aria-labelledby="trail-user-title" data-testid="trail-user">
          <h2 id="trail-user-title">Notifications of {found.userId}, newest first</h2>
          <BudgetSpendLine api={api} userId={found.userId} />
          {found.notifications.length === 0 ? (
            <p>No notifications on the trail for this user.</p>
          ) : (
            <div class="table-scroll">
              <table aria-labelledby="trail-user-title">
                <thead>
                  <tr>
                    <th scope="col">Notification</th>
                    <th scope="col">Status now</th>
                    <th scope="col">Last step</th>
                    <th scope="col">First step</th>
                    <th scope="col">
                      <span class="sr-only">History</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {found.notifications.map((n) => (
                    <tr key={n.notificationId} class={opened?.notificationId === n.notificationId ? 'current' : undefined}>
                      <td>
                        <code>{n.notificationId}</code>
                        <div class="muted">event {n.eventId}</div>
                      </td>
                      <td>
                        <span class={`badge ${n.status}`}>{n.status}</span>
                        {n.channel && <span class="muted"> · {n.channel}</span>}
                        {n.reason && <div class="muted wrap">{n.reason}</div>}
                      </td>
                      <td>
                        <time dateTime={n.at}>{when(n.at)}</time>
                      </td>
                      <td>
                        <time dateTime={n.firstAt}>{when(n.firstAt)}</time>
                      </td>
                      <td>
                        <button type="button" class="secondary" aria-label={`Show the history of ${n.notificationId}`} onClick={() => open(n.notificationId)}>
                          History
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {found.next && (
            <button type="button" class="secondary" disabled={busy} onClick={() => moreOfUser(found)}>
              More notifications
            </button>
          )}
          {opened && <Timeline title={`Notification ${opened.notificationId}`} steps={opened.history} />}
        </section>
      )}
    </section>
  );
}

/** One notification's steps, oldest first, each with who recorded it and why. */
function Timeline({ title, steps }: { title: string; steps: Step[] }) {
  return (
    <section class="trail" aria-label={title} data-testid="trail-timeline">
      <h3>{title}</h3>
      <ol class="timeline">
        {steps.map((s, i) => (
          <li key={i}>
            <div class="step">
              <span class={`badge ${s.status}`} data-testid="trail-status">
                {s.status}
              </span>
              {s.channel && <span>{s.channel}</span>}
              <time class="muted" dateTime={s.at}>
                {when(s.at)}
              </time>
              <span class="muted">by {s.service}</span>
            </div>
            {s.reason && <div class="wrap">{s.reason}</div>}
            {s.detail && Object.keys(s.detail).length > 0 && <pre>{JSON.stringify(s.detail, null, 2)}</pre>}
          </li>
        ))}
      </ol>
    </section>
  );
}
