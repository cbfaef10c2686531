import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isSecret, newSecret, signatureHeaders } from './signing';

describe('signing (Standard Webhooks)', () => {
  const body = JSON.stringify({ type: 'notification.delivered', data: { eventId: 'e1' } });

  it('signs "{id}.{timestamp}.{body}" with HMAC-SHA256 of the secret’s bytes, as v1,<base64>', () => {
    const secret = newSecret();
    const at = new Date('2026-12-02T09:00:00.750Z');
    const headers = signatureHeaders([secret], 'msg_1', at, body);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`msg_1.${headers['webhook-timestamp']}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('verifies with the reference library, and not with another secret, another body or an old timestamp', () => {
    const secret = newSecret();
    const headers = signatureHeaders([secret], 'msg_2', new Date(), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body.replace('e1', 'e2'), { ...headers })).toThrow(WebhookVerificationError);
    const old = signatureHeaders([secret], 'msg_2', new Date(Date.now() - 10 * 60_000), body);
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow(/too old/i);
  });

  it('signs with both secrets during a rotation, so a receiver holding either accepts', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = signatureHeaders([current, previous], 'msg_3', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toBeTruthy();
    expect(new Webhook(previous).verify(body, { ...headers })).toBeTruthy();
  });

  it('makes secrets of 32 random bytes and tells a well-formed one from others', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret()).not.toBe(secret);
    expect(isSecret(secret)).toBe(true);
    expect(isSecret(secret.slice(6))).toBe(false);
    expect(isSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isSecret('whsec_not base64!')).toBe(false);
  });
});
