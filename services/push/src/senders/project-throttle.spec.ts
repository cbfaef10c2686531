import { describe, expect, it } from 'vitest';
import { ProjectThrottle } from './project-throttle';

/** A throttle on a clock the test moves, with jitter fixed by `random`. */
function throttleAt(random = 0) {
  const clock = { now: 1_000_000 };
  const slept: number[] = [];
  const throttle = new ProjectThrottle({
    floorMs: 60_000,
    maxMs: 600_000,
    random: () => random,
    now: () => clock.now,
    sleep: async (ms) => {
      slept.push(ms);
      clock.now += ms;
    },
  });
  return { throttle, clock, slept };
}

describe('ProjectThrottle', () => {
  it('pauses the project from the floor, doubling on each further 429, within the cap', () => {
    const { throttle, clock } = throttleAt();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const sentAt = clock.now;
      clock.now += 10;
      waits.push(throttle.throttled('shop', sentAt));
      clock.now += waits.at(-1)!;
    }
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
  });

  it('jitters upwards, at most a quarter more, never under the floor nor over the cap', () => {
    expect(throttleAt(0).throttle.throttled('shop', 0)).toBe(60_000);
    expect(throttleAt(0.999_999).throttle.throttled('shop', 0)).toBe(75_000);
    const high = throttleAt(0.999_999);
    let waitMs = 0;
    for (let i = 0; i < 5; i++) {
      const sentAt = high.clock.now;
      waitMs = high.throttle.throttled('shop', sentAt);
      high.clock.now += waitMs + 1;
    }
    expect(waitMs).toBe(600_000);
  });

  it('pauses only the project throttled', () => {
    const { throttle, clock } = throttleAt();
    throttle.throttled('shop', clock.now);
    expect(throttle.remainingMs('shop')).toBe(60_000);
    expect(throttle.remainingMs('other')).toBe(0);
  });

  it('counts the 429s of one burst (requests sent before the pause began) as one pause', () => {
    const { throttle, clock } = throttleAt();
    const burstSentAt = clock.now;
    clock.now += 5;
    throttle.throttled('shop', burstSentAt);
    clock.now += 5;
    expect(throttle.throttled('shop', burstSentAt)).toBe(59_995);
    expect(throttle.remainingMs('shop')).toBe(59_995);
  });

  it('starts from the floor again once a send after the pause went through', () => {
    const { throttle, clock } = throttleAt();
    throttle.throttled('shop', clock.now);
    clock.now += 60_000;
    throttle.throttled('shop', clock.now);
    clock.now += 120_000;
    // A success of a request sent before the latest pause says nothing of the quota now.
    throttle.succeeded('shop', clock.now - 130_000);
    throttle.throttled('shop', clock.now);
    expect(throttle.remainingMs('shop')).toBe(240_000);
    clock.now += 240_000;
    throttle.succeeded('shop', clock.now);
    expect(throttle.throttled('shop', clock.now)).toBe(60_000);
  });

  it('takes the provider’s Retry-After over the backoff, up to the cap', () => {
    const { throttle, clock } = throttleAt();
    expect(throttle.throttled('shop', clock.now, 7000)).toBe(7000);
    clock.now += 7000;
    expect(throttle.throttled('shop', clock.now, 3_600_000)).toBe(600_000);
    // A longer Retry-After within the same burst moves the end.
    const { throttle: other, clock: c2 } = throttleAt();
    const sentAt = c2.now;
    c2.now += 1;
    other.throttled('shop', sentAt);
    other.throttled('shop', sentAt, 90_000);
    expect(other.remainingMs('shop')).toBe(90_000);
  });

  it('ready waits the pause out, and a pause that grew meanwhile too', async () => {
    const { throttle, clock, slept } = throttleAt();
    await throttle.ready('shop');
    expect(slept).toEqual([]);
    throttle.throttled('shop', clock.now);
    await throttle.ready('shop');
    expect(slept).toEqual([60_000]);
    expect(throttle.remainingMs('shop')).toBe(0);
  });
});
