import { describe, expect, it } from 'vitest';
import { topics } from './catalogue';
import { decode, encode, validate } from './codec';
import { intakeKeyOf, type NotifyEvent } from '../envelope/notify-event';

const event: NotifyEvent = {
  version: 1,
  id: 'evt-1',
  type: 'payment.succeeded',
  to: { userId: 'u-1' },
  payload: { amount: 42 },
  createdAt: '2026-11-25T10:00:00.000Z',
  priority: 'transactional',
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('decode(notify.events)', () => {
  it('accepts a valid envelope and round-trips through encode', () => {
    const decoded = decode(topics.notifyEvents, encode(topics.notifyEvents, event));
    expect(decoded).toEqual({ ok: true, value: event });
  });

  it('names malformed JSON', () => {
    const decoded = decode(topics.notifyEvents, Buffer.from('{"version":1,'));
    expect(decoded).toMatchObject({ ok: false, reason: 'malformed_json' });
  });

  it('names an unknown schema version', () => {
    expect(decode(topics.notifyEvents, bytes({ ...event, version: 2 }))).toEqual({
      ok: false,
      reason: 'unknown_version',
      message: 'version 2 is not supported (supported: 1)',
    });
  });

  it('names a missing recipient', () => {
    const { to: _to, ...withoutRecipient } = event;
    expect(decode(topics.notifyEvents, bytes(withoutRecipient))).toMatchObject({ ok: false, reason: 'no_recipient' });
    expect(decode(topics.notifyEvents, bytes({ ...event, to: { userIds: [] } }))).toMatchObject({ ok: false, reason: 'no_recipient' });
  });

  it('rejects a payload over the topic limit before parsing it', () => {
    const huge = { ...event, payload: { blob: 'x'.repeat(topics.notifyEvents.maxMessageBytes) } };
    const decoded = decode(topics.notifyEvents, bytes(huge));
    expect(decoded).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('says which field is wrong', () => {
    const decoded = validate(topics.notifyEvents, { ...event, type: 'bad type!', ttl: -5 });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.reason).toBe('invalid_envelope');
      expect(decoded.message).toContain('type:');
      expect(decoded.message).toContain('ttl:');
    }
  });

  it('rejects unknown top-level fields so typos do not pass silently', () => {
    expect(validate(topics.notifyEvents, { ...event, priorty: 'critical' })).toMatchObject({ ok: false, reason: 'invalid_envelope' });
  });
});

describe('encode', () => {
  it('refuses to put an invalid message on a topic', () => {
    expect(() => encode(topics.notifyEvents, { ...event, id: '' })).toThrow(/notify.events.*id/);
  });
});

describe('intakeKeyOf', () => {
  it('keys by the recipient so one user stays in order', () => {
    expect(intakeKeyOf(event)).toBe('u-1');
    expect(intakeKeyOf({ ...event, to: { userIds: ['u-9'] } })).toBe('u-9');
    expect(intakeKeyOf({ ...event, to: { topic: 'followers:x' } })).toBe('topic:followers:x');
  });
});
