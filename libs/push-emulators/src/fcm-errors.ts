/** The `@type` that marks FCM's own error code inside a Google API error. */
export const fcmErrorType = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

/**
 * Every error code FCM v1 answers with (its `FcmError.errorCode`), defined once with the HTTP
 * status and the Google canonical status it travels under.
 */
export const fcmErrors = {
  INVALID_ARGUMENT: { httpStatus: 400, status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  UNREGISTERED: { httpStatus: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  SENDER_ID_MISMATCH: { httpStatus: 403, status: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  QUOTA_EXCEEDED: { httpStatus: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for the sending rate of this project.' },
  UNAVAILABLE: { httpStatus: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { httpStatus: 500, status: 'INTERNAL', message: 'Internal error encountered.' },
  THIRD_PARTY_AUTH_ERROR: { httpStatus: 401, status: 'UNAUTHENTICATED', message: 'Auth error from APNS or Web Push Service' },
} as const satisfies Record<string, { httpStatus: number; status: string; message: string }>;

export type FcmErrorCode = keyof typeof fcmErrors;

/** A Google API error body, as googleapis.com sends it. */
export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Array<{ '@type': string; [field: string]: unknown }>;
  };
}

/** The body of an FCM error, optionally naming the request field at fault. */
export function fcmErrorBody(errorCode: FcmErrorCode, message: string = fcmErrors[errorCode].message, field?: string): GoogleErrorBody {
  const { httpStatus, status } = fcmErrors[errorCode];
  return {
    error: {
      code: httpStatus,
      message,
      status,
      details: [
        { '@type': fcmErrorType, errorCode },
        ...(field ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }] : []),
      ],
    },
  };
}

/** Errors Google's front end raises before FCM sees the request: they carry no FcmError. */
export const googleErrors = {
  UNAUTHENTICATED: {
    code: 401,
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  PERMISSION_DENIED: { code: 403, message: "Permission 'cloudmessaging.messages.create' denied on resource (or it may not exist)." },
  NOT_FOUND: { code: 404, message: 'The requested URL was not found on this server.' },
} as const;

export function googleErrorBody(status: keyof typeof googleErrors): GoogleErrorBody {
  return { error: { code: googleErrors[status].code, message: googleErrors[status].message, status } };
}
