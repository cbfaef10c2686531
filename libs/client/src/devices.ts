import { NotifyError } from './errors';

/** What the push service needs to know of a device: the body of PUT /v1/me/devices/:token. */
export interface DeviceRegistration {
  platform: 'ios' | 'android' | 'web';
  /** iOS bundle id (the APNs topic), Android package name, or the web app's name. */
  appId: string;
  /** APNs environment (default production); ignored by FCM. */
  environment?: 'sandbox' | 'production';
  /** `liveactivity`: the push token of one iOS Live Activity (with its `activityId`). Default `device`. */
  kind?: 'device' | 'liveactivity';
  activityId?: string;
  /** e.g. `fr-FR`: the language pushes are written in. */
  locale?: string;
  /** An IANA time zone such as `Europe/Paris`: quiet hours follow it. */
  timeZone?: string;
}

/** A registered device as the push service shows it: everything but the full token. */
export interface RegisteredDevice {
  tokenSuffix: string;
  userId: string;
  platform: 'ios' | 'android' | 'web';
  appId: string;
  environment: 'sandbox' | 'production';
  kind: 'device' | 'liveactivity';
  activityId?: string;
  locale?: string;
  timeZone?: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DeviceRegistered {
  device: RegisteredDevice;
  /** True when the token was new to the user (201), false when it was known (200). */
  created: boolean;
  /** Token suffixes of the user's oldest devices removed to stay within the per-user cap. */
  evicted: string[];
}

export interface DeviceRequestOptions {
  fetch?: typeof fetch;
}

function devicesUrl(pushUrl: string, deviceToken: string): string {
  return `${pushUrl.replace(/\/+$/, '')}/v1/me/devices/${encodeURIComponent(deviceToken)}`;
}

async function refusal(response: Response, what: string): Promise<NotifyError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  const retryAfterS = Number(response.headers.get('retry-after'));
  return new NotifyError(body?.error?.message ?? `${what} failed (HTTP ${response.status})`, body?.error?.code, retryAfterS > 0 ? retryAfterS * 1000 : undefined, response.status);
}

/**
 * Registers this device's push token for the signed-in user: PUT {pushUrl}/v1/me/devices/:token
 * with the user's JWT. Call it at sign-in and whenever the OS hands the app a new token; a token
 * another user had moves to this one. Refusals are NotifyErrors (400 naming the field, 401, 429 with
 * retryAfterMs).
 *
 * @example
 *   await registerDevice('https://push.example.com', userJwt, apnsToken, { platform: 'ios', appId: 'com.example.app' });
 */
export async function registerDevice(pushUrl: string, userToken: string, deviceToken: string, registration: DeviceRegistration, options: DeviceRequestOptions = {}): Promise<DeviceRegistered> {
  const fetchImpl = options.fetch ?? fetch;
  const response = await fetchImpl(devicesUrl(pushUrl, deviceToken), {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userToken}` },
    body: JSON.stringify(registration),
  });
  if (response.status !== 200 && response.status !== 201) throw await refusal(response, 'registering the device');
  const body = (await response.json()) as { device: RegisteredDevice; evicted?: string[] };
  return { device: body.device, created: response.status === 201, evicted: body.evicted ?? [] };
}

/**
 * Removes this device's push token from the signed-in user (on logout): DELETE
 * {pushUrl}/v1/me/devices/:token with the user's JWT. Resolves true when it was removed, false when
 * the user had no such device (already removed: nothing left to do).
 *
 * @example
 *   await unregisterDevice('https://push.example.com', userJwt, apnsToken);
 */
export async function unregisterDevice(pushUrl: string, userToken: string, deviceToken: string, options: DeviceRequestOptions = {}): Promise<boolean> {
  const fetchImpl = options.fetch ?? fetch;
  const response = await fetchImpl(devicesUrl(pushUrl, deviceToken), { method: 'DELETE', headers: { authorization: `Bearer ${userToken}` } });
  if (response.status === 204) return true;
  if (response.status === 404) {
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    // A 404 for the route itself (a push service with /v1/me turned off) is not "already gone".
    if (!/turn on \/v1\/me|no route/.test(body?.error?.message ?? '')) return false;
    throw new NotifyError(body?.error?.message ?? 'the push service has no /v1/me/devices route', 'NOTIFY_ERR_NOT_FOUND', undefined, 404);
  }
  throw await refusal(response, 'unregistering the device');
}
