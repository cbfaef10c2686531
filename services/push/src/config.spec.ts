import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@notify/config';
import { optionalTokenVerificationOf } from '@notify/http';
import { pushSettings } from './config';

const problemsOf = (env: Record<string, string>): Record<string, string> => {
  try {
    loadConfig(pushSettings, env);
    return {};
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return Object.fromEntries(err.problems.map((p) => [p.variable, p.message]));
  }
};

describe('push settings for apps registering their own devices and for web push', () => {
  it('takes the users’ token settings as the gateway does, and leaves the app routes off without them', () => {
    const problems = problemsOf({ JWT_SECRET: 'short', JWT_JWKS_URL: 'not a url', JWT_MAX_LIFETIME_S: '10' });
    expect(problems.JWT_SECRET).toBe('must be at least 32 characters (HS256 shared secret) (value not shown: it is a secret)');
    expect(problems.JWT_JWKS_URL).toMatch(/^must be a URL/);
    expect(problems.JWT_MAX_LIFETIME_S).toMatch(/^must be at least 60/);
    const none = loadConfig(pushSettings, { KAFKA_BROKERS: 'localhost:9092', MONGO_URL: 'mongodb://localhost/push', INTAKE_TOKENS: 'shop:shop-secret-0123456789', ADMIN_TOKENS: 'ops:ops-secret-0123456789ab' });
    expect(optionalTokenVerificationOf(none)).toBeUndefined();
    expect(none).toMatchObject({ maxDevicesPerUser: 20, userRateLimit: 30, userRateWindowMs: 60_000 });
  });

  it('refuses a cap below one, a negative rate limit and an icon that is not https, naming each', () => {
    const problems = problemsOf({ PUSH_MAX_DEVICES_PER_USER: '0', PUSH_USER_RATE_LIMIT: '-1', PUSH_USER_RATE_WINDOW_MS: '10', FCM_WEB_ICON_URL: 'http://shop.example.com/icon.png' });
    expect(problems.PUSH_MAX_DEVICES_PER_USER).toMatch(/^must be at least 1/);
    expect(problems.PUSH_USER_RATE_LIMIT).toMatch(/^must be at least 0/);
    expect(problems.PUSH_USER_RATE_WINDOW_MS).toMatch(/^must be at least 1000/);
    expect(problems.FCM_WEB_ICON_URL).toMatch(/^must be an https URL/);
  });
});
