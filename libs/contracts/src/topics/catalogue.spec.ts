import { describe, expect, it } from 'vitest';
import { EVENT_LIMITS } from '../envelope/limits';
import type { Notification } from '../envelope/notification';
import type { NotifyEvent } from '../envelope/notify-event';
import { allTopics, topics } from './catalogue';
import { encode, validate } from './codec';

describe('topic catalogue', () => {
  it('has unique names', () => {
    const names = allTopics.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('compacts exactly the state topics', () => {
    expect(allTopics.filter((t) => t.cleanup === 'compact').map((t) => t.name)).toEqual([topics.presenceState.name, topics.preferencesState.name]);
  });

  it('gives marketing its own intake lane beside the default one', () => {
    expect(topics.notifyEventsBulk.name).not.toBe(topics.notifyEvents.name);
    expect(topics.deliverPushBulk.name).not.toBe(topics.deliverPushTransactional.name);
  });
});

/**
 * The limits are one set of numbers: the largest event the intake accepts (every limit at its
 * maximum, its text made of characters JSON escapes at six bytes each) fits its intake topic, and
 * the notification the router makes of it for one recipient fits every delivery lane.
 */
describe('event limits against the topics', () => {
  const escaped = (chars: number) => '\u0001'.repeat(chars);
  const id = (chars: number) => 'i'.repeat(chars);
  // The text fields at their longest, in the characters that cost most: as much as the payload's size allows.
  const title = escaped(EVENT_LIMITS.titleMaxChars);
  const deepLink = escaped(EVENT_LIMITS.deepLinkMaxChars);
  const sizeOf = (p: object) => Buffer.byteLength(JSON.stringify(p));
  const base = { title, deepLink, body: '', filler: '' };
  const body = escaped(Math.min(EVENT_LIMITS.bodyMaxChars, Math.floor((EVENT_LIMITS.payloadMaxBytes - sizeOf(base)) / 6)));
  const payload = { ...base, body, filler: 'f'.repeat(EVENT_LIMITS.payloadMaxBytes - sizeOf({ ...base, body })) };
  const now = new Date().toISOString();
  const largestEvent: NotifyEvent = { version: 1, id: id(128), type: `t${'.t'.repeat(63)}`, to: { userIds: Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(128, 'u')) }, payload, createdAt: now, priority: 'transactional', category: id(64), ttl: 31_536_000, collapseKey: id(64), tenant: id(64) };

  it('accepts the largest event and carries it on both intake lanes', () => {
    expect(validate(topics.notifyEvents, largestEvent)).toMatchObject({ ok: true });
    expect(Buffer.byteLength(JSON.stringify(payload))).toBe(EVENT_LIMITS.payloadMaxBytes);
    for (const lane of [topics.notifyEvents, topics.notifyEventsBulk]) expect(encode(lane, largestEvent).byteLength).toBeLessThanOrEqual(lane.maxMessageBytes);
  });

  it('fits the notification made of it on every delivery lane', () => {
    const notification: Notification = {
      version: 1,
      notificationId: id(160),
      eventId: id(128),
      userId: id(128),
      type: largestEvent.type,
      priority: 'transactional',
      category: id(64),
      tenant: id(64),
      content: { title, body, deepLink, data: payload },
      createdAt: now,
      expiresAt: now,
      collapseKey: id(64),
      fallback: { channel: 'push', afterMs: 86_400_000 },
    };
    for (const lane of [topics.deliverInapp, topics.deliverPushTransactional, topics.deliverPushBulk]) expect(encode(lane, notification).byteLength).toBeLessThanOrEqual(lane.maxMessageBytes);
  });

  it('refuses one byte or character more, and says which limit', () => {
    expect(validate(topics.notifyEvents, { ...largestEvent, payload: { ...payload, filler: `${payload.filler}f` } })).toMatchObject({ ok: false, reason: 'invalid_envelope', message: `payload: is ${EVENT_LIMITS.payloadMaxBytes + 1} bytes as JSON; at most ${EVENT_LIMITS.payloadMaxBytes}` });
    expect(validate(topics.notifyEvents, { ...largestEvent, payload: { title: `${title}x` } })).toMatchObject({ ok: false, message: `payload.title: ${EVENT_LIMITS.titleMaxChars + 1} characters; at most ${EVENT_LIMITS.titleMaxChars}` });
  });

  it('refuses to encode a message over its topic, as a message that can never be published', () => {
    const tooBig: Notification = { version: 1, notificationId: 'n', eventId: 'e', userId: 'u', type: 't', priority: 'transactional', content: { data: { blob: 'x'.repeat(70 * 1024) } }, createdAt: now };
    expect(() => encode(topics.deliverInapp, tooBig)).toThrow(expect.objectContaining({ name: 'EncodeError', reason: 'too_large' }));
  });
});
