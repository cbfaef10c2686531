import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The Standard Webhooks headers of one POST. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new signing secret, `whsec_` and 32 random bytes in base64, as Standard Webhooks writes them. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether a secret is one `newSecret` could have made (what the API accepts from a team bringing its own). */
export function isSecret(value: string): boolean {
  if (!value.startsWith('whsec_')) return false;
  const key = Buffer.from(value.slice(6), 'base64');
  return key.length >= 24 && key.length <= 64 && key.toString('base64') === value.slice(6);
}

/**
 * Signs a body per Standard Webhooks: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, once per
 * secret (the current one and, during a rotation, the previous), space-separated.
 *
 * @example signatureHeaders(['whsec_…'], 'msg_2f…', new Date(), '{"status":"delivered"}')
 */
export function signatureHeaders(secrets: readonly string[], id: string, at: Date, body: string): SignedHeaders {
  const timestamp = Math.floor(at.getTime() / 1000);
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') };
}
