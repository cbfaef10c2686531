import { describe, expect, it } from 'vitest';
import { GatewayLivenessV1 } from './presence';
import { announcementSigner, announcementVerifier } from './gateway-announcement';

const secret = 'gateway-relay-secret-0123456789abcdef';
const beat = { version: 1, kind: 'gateway_heartbeat', gatewayId: 'gw-1', relayUrl: 'http://10.0.0.5:3101', sockets: 3, at: '2026-12-01T10:00:00.000Z' } as const;

describe('gateway announcements', () => {
  const sign = announcementSigner(secret);
  const verify = announcementVerifier(secret);

  it('believes what a gateway with the shared secret signed, heartbeats and goodbyes', () => {
    const signed = sign(beat);
    expect(GatewayLivenessV1.parse(signed)).toEqual(signed);
    expect(verify(signed)).toBeNull();
    expect(verify(sign({ version: 1, kind: 'gateway_stopped', gatewayId: 'gw-1', at: beat.at }))).toBeNull();
  });

  it('refuses an unsigned announcement, one whose address, gateway or time was changed, and one signed with another secret', () => {
    const signed = sign(beat);
    expect(verify(beat)).toBe('unsigned');
    expect(verify({ ...signed, relayUrl: 'http://169.254.169.254/' })).toBe('bad_signature');
    expect(verify({ ...signed, gatewayId: 'gw-2' })).toBe('bad_signature');
    expect(verify({ ...signed, at: '2026-12-01T10:00:01.000Z' })).toBe('bad_signature');
    expect(verify({ ...signed, signature: 'not-base64url-of-anything' })).toBe('bad_signature');
    expect(verify(announcementSigner('another-deployment-secret-0123456789')(beat))).toBe('bad_signature');
  });
});
