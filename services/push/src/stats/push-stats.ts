export type Provider = 'apns' | 'fcm';

/** One app's figures at one provider, as this instance counted them since it started. */
export interface ProviderTally {
  /** Accepted by the provider. */
  sent: number;
  /** Refused for good (dead tokens included) or given up after the last attempt, by the provider's short reason. */
  failed: Map<string, number>;
  /** Answers that asked for another attempt (429, 5xx, no answer), by short reason; the attempt followed. */
  retries: Map<string, number>;
  /** Devices deactivated because the provider said their token is dead. */
  invalidTokensRemoved: number;
  /** Pushes handed to the provider and not answered yet. */
  inFlight: number;
}

/** A tally as JSON. */
export interface ProviderStatsView {
  sent: number;
  failed: { total: number; byReason: Record<string, number> };
  invalidTokensRemoved: number;
  retries: { total: number; byReason: Record<string, number> };
  inFlight: number;
}

export interface PushStatsView {
  /** When this instance started counting: every figure is since then, for this instance only. */
  since: string;
  apps: Record<string, Partial<Record<Provider, ProviderStatsView>>>;
  totals: Record<Provider, ProviderStatsView>;
}

/**
 * Apps counted apart, per provider; pushes of any further app are counted together under
 * OTHER_APPS, so a backend registering devices under ever new app ids cannot grow the metrics without end.
 */
export const MAX_APPS = 1000;
export const OTHER_APPS = '(other apps)';

/**
 * This instance's push figures per provider and app: plain numbers in maps, bumped on the hot path
 * (a map lookup and an increment, nothing allocated once an app has its tally), read by /metrics and
 * the stats route.
 */
export class PushStats {
  readonly since = new Date();
  private readonly byProvider: Record<Provider, Map<string, ProviderTally>> = { apns: new Map(), fcm: new Map() };

  /** The tally of an app at a provider, created on first use. */
  tallyOf(provider: Provider, appId: string): ProviderTally {
    const tallies = this.byProvider[provider];
    const tally = tallies.get(appId);
    if (tally) return tally;
    const key = tallies.size < MAX_APPS ? appId : OTHER_APPS;
    let created = tallies.get(key);
    if (!created) tallies.set(key, (created = { sent: 0, failed: new Map(), retries: new Map(), invalidTokensRemoved: 0, inFlight: 0 }));
    return created;
  }

  /** Every tally, for the metrics: provider, app, tally. */
  *entries(): Generator<[Provider, string, ProviderTally]> {
    for (const provider of ['apns', 'fcm'] as const) for (const [app, tally] of this.byProvider[provider]) yield [provider, app, tally];
  }

  /** The figures as JSON: per app, then per provider; and per provider over every app. */
  view(): PushStatsView {
    const apps: PushStatsView['apps'] = {};
    const totals = { apns: emptyView(), fcm: emptyView() };
    for (const [provider, app, tally] of this.entries()) {
      const view = viewOf(tally);
      (apps[app] ??= {})[provider] = view;
      addTo(totals[provider], view);
    }
    return { since: this.since.toISOString(), apps, totals };
  }
}

/** Adds one to a reason's count. */
export function countReason(counts: Map<string, number>, reason: string): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

function viewOf(tally: ProviderTally): ProviderStatsView {
  const reasons = (counts: Map<string, number>) => ({ total: [...counts.values()].reduce((a, b) => a + b, 0), byReason: Object.fromEntries(counts) });
  return { sent: tally.sent, failed: reasons(tally.failed), invalidTokensRemoved: tally.invalidTokensRemoved, retries: reasons(tally.retries), inFlight: tally.inFlight };
}

function emptyView(): ProviderStatsView {
  return { sent: 0, failed: { total: 0, byReason: {} }, invalidTokensRemoved: 0, retries: { total: 0, byReason: {} }, inFlight: 0 };
}

function addTo(total: ProviderStatsView, view: ProviderStatsView): void {
  total.sent += view.sent;
  total.invalidTokensRemoved += view.invalidTokensRemoved;
  total.inFlight += view.inFlight;
  for (const kind of ['failed', 'retries'] as const) {
    total[kind].total += view[kind].total;
    for (const [reason, n] of Object.entries(view[kind].byReason)) total[kind].byReason[reason] = (total[kind].byReason[reason] ?? 0) + n;
  }
}
