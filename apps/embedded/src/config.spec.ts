import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Setting } from '@notify/config';
import { gatewaySettings } from '@notify/gateway';
import { presenceSettings } from '@notify/presence';
import { pushSettings } from '@notify/push';
import { routerSettings } from '@notify/router';
import { embeddedSettings } from './config';

/** Every setting of every process: the embedded one and each service on its own. */
const everySetting: Setting<unknown>[] = [embeddedSettings, gatewaySettings, presenceSettings, pushSettings, routerSettings].flatMap((settings) => Object.values(settings));

/** Every setting that holds a credential: by its name (a public key is not one). */
const CREDENTIAL = /SECRET|PASSWORD|TOKENS|SERVICE_ACCOUNT|(?<!PUBLIC)_KEY$/;

describe('secrets in the configuration', () => {
  it('marks every credential setting as a secret', () => {
    const credentials = everySetting.filter((s) => CREDENTIAL.test(s.variable));
    expect([...new Set(credentials.map((s) => s.variable))].sort()).toEqual(['ADMIN_TOKENS', 'APNS_KEY', 'FCM_SERVICE_ACCOUNT', 'GATEWAY_RELAY_SECRET', 'INTAKE_TOKENS', 'JWT_SECRET', 'KAFKA_SASL_PASSWORD']);
    expect(credentials.filter((s) => !s.secret).map((s) => s.variable)).toEqual([]);
  });

  it('reports a bad secret by its name, never by its value', () => {
    const leaked = 'shortsecret-xyz';
    let error: unknown;
    try {
      loadConfig({ ...pushSettings, jwtSecret: embeddedSettings.jwtSecret }, { JWT_SECRET: leaked, INTAKE_TOKENS: `team:${leaked}`, APNS_KEY: leaked, PORT: 'eighty', ADMIN_TOKENS: 'ops:0123456789abcdef0123', KAFKA_BROKERS: '127.0.0.1:9092', MONGO_URL: 'mongodb://127.0.0.1/x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['APNS_KEY', 'INTAKE_TOKENS', 'JWT_SECRET', 'PORT']);
    expect(message).not.toContain(leaked);
    expect(message).toContain('JWT_SECRET: must be at least 32 characters (HS256 shared secret) (value not shown: it is a secret)');
    expect(message).toContain('"eighty"'); // a setting that is not a secret still shows what it got
  });
});
