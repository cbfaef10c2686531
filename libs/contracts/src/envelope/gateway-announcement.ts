import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GatewayLiveness } from './presence';

/**
 * Gateways sign what they announce on `presence.gateways` (where they can be reached, that they
 * stopped) with a key derived from the secret they share; gateways and presence believe only signed
 * announcements. A party that can write to the topic can neither point a gateway's relay at an
 * address of its choosing nor make presence close every socket of a gateway that is still up.
 * Imported as `@notify/contracts/gateway-announcement`, apart from the schemas, since it needs
 * node:crypto and the schemas also go to browsers.
 */

/** Why an announcement was not believed. */
export type AnnouncementProblem = 'unsigned' | 'bad_signature';

type Unsigned<T> = T extends unknown ? Omit<T, 'signature'> : never;
export type UnsignedAnnouncement = Unsigned<GatewayLiveness>;

/** A key of its own for announcements, so a signature can never stand in for the relay's bearer secret or a stream ticket. */
function announcementKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('notify gateway announcement v1').digest();
}

/** What is signed: every field another gateway acts on, each on its own line (no field contains a newline). */
function signedText(announcement: UnsignedAnnouncement): string {
  const relayUrl = announcement.kind === 'gateway_heartbeat' ? (announcement.relayUrl ?? '') : '';
  return [announcement.version, announcement.kind, announcement.gatewayId, relayUrl, announcement.at].join('\n');
}

/** Signs announcements with the gateways' shared secret. */
export function announcementSigner(secret: string): <A extends UnsignedAnnouncement>(announcement: A) => A & { signature: string } {
  const key = announcementKey(secret);
  return (announcement) => ({ ...announcement, signature: createHmac('sha256', key).update(signedText(announcement)).digest('base64url') });
}

/** Checks an announcement's signature in constant time; null when it is good. */
export function announcementVerifier(secret: string): (announcement: GatewayLiveness) => AnnouncementProblem | null {
  const key = announcementKey(secret);
  return (announcement) => {
    if (!announcement.signature) return 'unsigned';
    const expected = createHmac('sha256', key).update(signedText(announcement)).digest();
    const presented = Buffer.from(announcement.signature, 'base64url');
    return presented.length === expected.length && timingSafeEqual(presented, expected) ? null : 'bad_signature';
  };
}
