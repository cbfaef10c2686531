import { NotifyError } from './errors';

/** A ticket that opens one SSE stream, and until when it may be used. */
export interface StreamTicket {
  ticket: string;
  expiresAt: string;
}

/**
 * Trades the user's token (sent as Authorization: Bearer, never in a URL) for a short-lived,
 * single-use ticket, and returns the URL an EventSource opens with it.
 *
 * @example
 *   const { streamUrl } = await requestStreamTicket('https://notify.example.com', token, { lastEventId: 41 });
 *   const source = new EventSource(streamUrl);
 */
export async function requestStreamTicket(
  baseUrl: string,
  token: string,
  { lastEventId, device, fetch: fetchImpl = fetch }: { lastEventId?: number | undefined; device?: string | undefined; fetch?: typeof fetch } = {},
): Promise<StreamTicket & { streamUrl: string }> {
  const base = baseUrl.replace(/\/+$/, '');
  const response = await fetchImpl(`${base}/v1/stream/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => undefined)) as (StreamTicket & { error?: { code?: string; message?: string } }) | undefined;
  if (!response.ok || !body?.ticket) {
    const retryAfterS = Number(response.headers.get('retry-after'));
    throw new NotifyError(body?.error?.message ?? `could not get a stream ticket (HTTP ${response.status})`, body?.error?.code, retryAfterS > 0 ? retryAfterS * 1000 : undefined, response.status);
  }
  const query = new URLSearchParams({ ticket: body.ticket });
  if (lastEventId !== undefined) query.set('lastEventId', String(lastEventId));
  if (device) query.set('device', device);
  return { ticket: body.ticket, expiresAt: body.expiresAt, streamUrl: `${base}/v1/stream?${query}` };
}
