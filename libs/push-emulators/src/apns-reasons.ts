/**
 * Every reason APNs answers with, defined once with its HTTP status, as Apple's
 * "Handling notification responses from APNs" lists them.
 */
export const apnsReasons = {
  BadCollapseId: { status: 400, description: 'The collapse identifier exceeds the maximum allowed size.' },
  BadDeviceToken: { status: 400, description: 'The specified device token is invalid.' },
  BadExpirationDate: { status: 400, description: 'The apns-expiration value is invalid.' },
  BadMessageId: { status: 400, description: 'The apns-id value is invalid.' },
  BadPriority: { status: 400, description: 'The apns-priority value is invalid.' },
  BadTopic: { status: 400, description: 'The apns-topic value is invalid.' },
  DeviceTokenNotForTopic: { status: 400, description: "The device token doesn't match the specified topic." },
  DuplicateHeaders: { status: 400, description: 'One or more headers are repeated.' },
  IdleTimeout: { status: 400, description: 'Idle timeout.' },
  InvalidPushType: { status: 400, description: 'The apns-push-type value is invalid.' },
  MissingDeviceToken: { status: 400, description: "The device token isn't specified in the request :path." },
  MissingTopic: { status: 400, description: "The apns-topic header of the request isn't specified and is required." },
  PayloadEmpty: { status: 400, description: 'The message payload is empty.' },
  TopicDisallowed: { status: 400, description: 'Pushing to this topic is not allowed.' },
  BadCertificate: { status: 403, description: 'The certificate is invalid.' },
  BadCertificateEnvironment: { status: 403, description: 'The client certificate is for the wrong environment.' },
  ExpiredProviderToken: { status: 403, description: 'The provider token is stale and a new token should be generated.' },
  Forbidden: { status: 403, description: 'The specified action is not allowed.' },
  InvalidProviderToken: { status: 403, description: "The provider token is not valid, or the token signature can't be verified." },
  MissingProviderToken: { status: 403, description: 'No provider certificate was used to connect to APNs, and the authorization header is missing or no provider token is specified.' },
  UnrelatedKeyIdInToken: { status: 403, description: 'The key ID in the provider token isn’t related to the key ID of the token used in the first push of this connection.' },
  BadEnvironmentKeyInToken: { status: 403, description: 'The key ID in the provider token doesn’t match the environment.' },
  BadPath: { status: 404, description: 'The request contained an invalid :path value.' },
  MethodNotAllowed: { status: 405, description: 'The specified :method value isn’t POST.' },
  ExpiredToken: { status: 410, description: 'The device token has expired.' },
  Unregistered: { status: 410, description: 'The device token is inactive for the specified topic.' },
  PayloadTooLarge: { status: 413, description: 'The message payload is too large.' },
  TooManyProviderTokenUpdates: { status: 429, description: 'The provider’s authentication token is being updated too often.' },
  TooManyRequests: { status: 429, description: 'Too many requests were made consecutively to the same device token.' },
  InternalServerError: { status: 500, description: 'An internal server error occurred.' },
  ServiceUnavailable: { status: 503, description: 'The service is unavailable.' },
  Shutdown: { status: 503, description: 'The APNs server is shutting down.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ApnsReason = keyof typeof apnsReasons;

/** The body APNs sends with an error status; 410s carry when the token stopped being valid (ms since epoch). */
export interface ApnsErrorBody {
  reason: ApnsReason;
  timestamp?: number;
}
