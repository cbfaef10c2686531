import type { SendOutcome } from './push-sender';

/**
 * Every reason APNs answers with, as Apple's "Handling notification responses from APNs" lists
 * them. A reason outside this list is never used as a label: it would make label values unbounded.
 */
const APNS_REASONS = new Set([
  'BadCollapseId',
  'BadDeviceToken',
  'BadExpirationDate',
  'BadMessageId',
  'BadPriority',
  'BadTopic',
  'DeviceTokenNotForTopic',
  'DuplicateHeaders',
  'IdleTimeout',
  'InvalidPushType',
  'MissingDeviceToken',
  'MissingTopic',
  'PayloadEmpty',
  'TopicDisallowed',
  'BadCertificate',
  'BadCertificateEnvironment',
  'ExpiredProviderToken',
  'Forbidden',
  'InvalidProviderToken',
  'MissingProviderToken',
  'UnrelatedKeyIdInToken',
  'BadEnvironmentKeyInToken',
  'BadPath',
  'MethodNotAllowed',
  'ExpiredToken',
  'Unregistered',
  'PayloadTooLarge',
  'TooManyProviderTokenUpdates',
  'TooManyRequests',
  'InternalServerError',
  'ServiceUnavailable',
  'Shutdown',
]);

/** An APNs answer as the APNs sender describes it: `410 Unregistered`. */
const APNS_ANSWER = /^(\d{3}) (.*)$/s;
/** A firebase-admin error code leading the FCM sender's reason (`messaging/registration-token-not-registered: …`), or `unknown` for an error without one. */
const FCM_CODE = /^((?:messaging|app)(?:\/[a-z0-9-]{1,48}){1,2}|unknown):/;

/**
 * The provider's short reason for an outcome that is not `sent`, from the closed vocabulary stats
 * and device feedback use: an APNs reason (`BadDeviceToken`), a firebase-admin code
 * (`messaging/registration-token-not-registered`; `unknown` for an error without a code), `http-<status>` for an APNs status with a reason
 * Apple does not list, `network` for a retry with no provider answer (a timeout, a broken
 * connection), `not-sent` for a push refused before it left (payload too large, provider not
 * configured). Never free text, so it stays a bounded metric label.
 * @example providerReasonOf('apns', { status: 'invalid_token', reason: '410 Unregistered' }) // 'Unregistered'
 */
export function providerReasonOf(provider: 'apns' | 'fcm', outcome: Exclude<SendOutcome, { status: 'sent' }>): string {
  if (provider === 'apns') {
    const answer = APNS_ANSWER.exec(outcome.reason);
    if (answer) return APNS_REASONS.has(answer[2]!) ? answer[2]! : `http-${answer[1]}`;
  } else {
    const code = FCM_CODE.exec(outcome.reason);
    if (code) return code[1]!;
  }
  return outcome.status === 'retry' ? 'network' : 'not-sent';
}
