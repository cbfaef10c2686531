/** What one POST came to. */
export type SendOutcome =
  | { kind: 'answered'; status: number; ok: boolean; error?: string }
  | { kind: 'timeout'; error: string }
  | { kind: 'unreachable'; error: string };

/** POSTs a signed body; never throws: a refusal, a timeout or a connection error is an outcome. */
export type WebhookPoster = (url: string, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<SendOutcome>;

const ANSWER_EXCERPT = 256;

/** The poster over Node's fetch: no redirects followed (a 3xx is a failed attempt), the answer read up to a short excerpt. */
export const postWebhook: WebhookPoster = async (url, headers, body, timeoutMs) => {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'notify-webhooks/1', ...headers }, body, redirect: 'manual', signal });
    const ok = response.status >= 200 && response.status < 300;
    const text = ok ? (await response.body?.cancel(), '') : (await response.text().catch(() => '')).slice(0, ANSWER_EXCERPT);
    return ok ? { kind: 'answered', status: response.status, ok } : { kind: 'answered', status: response.status, ok, error: `HTTP ${response.status}${text ? `: ${text}` : ''}` };
  } catch (err) {
    if (signal.aborted) return { kind: 'timeout', error: `no answer within ${timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'unreachable', error: cause?.code ? `${cause.code}: ${cause.message ?? ''}`.trim() : (err as Error).message };
  }
};
