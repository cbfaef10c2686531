import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigError } from '@notify/config';
import { clientAccessSettings } from '../config';
import { originAllowed } from './cors-origins';

const load = (env: Record<string, string>) => loadConfig(clientAccessSettings, env);
const problemsOf = (env: Record<string, string>) => {
  try {
    load(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('client access settings', () => {
  it('default to 20 connections per user, 60 attempts per address a minute, no trusted proxy, no CORS, no token in the stream URL', () => {
    expect(load({})).toEqual({ maxConnectionsPerUser: 20, connectRatePerAddress: 600, connectRateWindowMs: 60_000, trustProxy: false, corsOrigins: undefined, sseTokenInQuery: false });
  });

  it('read the trusted proxies as hops, all, or addresses and ranges', () => {
    expect(load({ GATEWAY_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(load({ GATEWAY_TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
    expect(load({ GATEWAY_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual({ addresses: ['loopback', '10.0.0.0/8'] });
  });

  it('stop start-up naming the setting when a proxy address or an origin cannot be read', () => {
    expect(problemsOf({ GATEWAY_TRUST_PROXY: 'proxy.internal' })).toEqual([{ variable: 'GATEWAY_TRUST_PROXY', message: 'must be false, true, a number of proxy hops, or addresses/CIDR ranges (invalid IP address: proxy.internal) (got "proxy.internal")' }]);
    expect(problemsOf({ GATEWAY_CORS_ORIGINS: 'https://app.example.com/' })).toEqual([
      { variable: 'GATEWAY_CORS_ORIGINS', message: '"https://app.example.com/" is not an origin (write scheme://host[:port], no path or trailing slash) (got "https://app.example.com/")' },
    ]);
  });

  it('allow an origin only when listed, or when * is', () => {
    const origins = load({ GATEWAY_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins!;
    expect(originAllowed(origins, 'https://app.example.com')).toBe(true);
    expect(originAllowed(origins, 'https://app.example.com.evil.test')).toBe(false);
    expect(originAllowed(origins, undefined)).toBe(false);
    expect(originAllowed(['*'], 'https://anywhere.test')).toBe(true);
  });
});
