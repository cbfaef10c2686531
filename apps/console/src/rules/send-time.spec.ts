import { describe, expect, it } from 'vitest';
import { digestSendTimeIn, withDigestSendTime } from './send-time';

describe('a digest’s send time in the console', () => {
  const batching = { windowMs: 3_600_000, maxItems: 20, title: '{{count}} offers' };
  const definition = { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', batching } };

  it('reads how a rule’s digests go out, and nothing for a rule that does not batch', () => {
    expect(digestSendTimeIn(definition)).toEqual({ kind: 'window' });
    expect(digestSendTimeIn({ ...definition, outcome: { batching: { ...batching, sendAt: '18:30' } } })).toEqual({ kind: 'fixed', sendAt: '18:30' });
    expect(digestSendTimeIn({ ...definition, outcome: { batching: { ...batching, sendAt: 'best', fallbackAt: '08:00' } } })).toEqual({ kind: 'best', fallbackAt: '08:00' });
    expect(digestSendTimeIn({ match: {}, outcome: { priority: 'transactional' } })).toBeNull();
    expect(digestSendTimeIn('not a definition')).toBeNull();
  });

  it('switches between the three, leaving the rest of the definition as it was', () => {
    const best = withDigestSendTime(definition, { kind: 'best', fallbackAt: '09:00' });
    expect(best).toEqual({ ...definition, outcome: { ...definition.outcome, batching: { ...batching, sendAt: 'best', fallbackAt: '09:00' } } });
    const fixed = withDigestSendTime(best, { kind: 'fixed', sendAt: '20:00' });
    expect(fixed).toEqual({ ...definition, outcome: { ...definition.outcome, batching: { ...batching, sendAt: '20:00' } } });
    expect(withDigestSendTime(fixed, { kind: 'window' })).toEqual(definition);
    expect(withDigestSendTime({ match: {} }, { kind: 'best', fallbackAt: '09:00' })).toEqual({ match: {} });
  });
});
