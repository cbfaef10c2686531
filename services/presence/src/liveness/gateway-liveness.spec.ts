import { describe, expect, it } from 'vitest';
import { GatewayLiveness } from './gateway-liveness';

describe('GatewayLiveness', () => {
  it('expires a gateway silent for longer than the TTL, and not before', () => {
    const liveness = new GatewayLiveness(15_000);
    expect(liveness.beat('gw-1', 1000)).toBe(true);
    expect(liveness.beat('gw-1', 6000)).toBe(false);
    expect(liveness.expired(21_000)).toEqual([]);
    expect(liveness.expired(21_001)).toEqual(['gw-1']);
  });

  it('gives a gateway only seen holding sockets one TTL of grace from when it was first seen', () => {
    const liveness = new GatewayLiveness(15_000);
    liveness.observe('gw-rebuilt', 0);
    liveness.observe('gw-rebuilt', 10_000); // seeing it again is no heartbeat
    expect(liveness.expired(15_001)).toEqual(['gw-rebuilt']);
  });

  it('never moves a heartbeat back in time, and forgets a gateway that said goodbye', () => {
    const liveness = new GatewayLiveness(1000);
    liveness.beat('gw-1', 5000);
    liveness.beat('gw-1', 4000);
    expect(liveness.expired(5500)).toEqual([]);
    liveness.forget('gw-1');
    expect(liveness.size).toBe(0);
    expect(liveness.expired(10_000)).toEqual([]);
  });
});
