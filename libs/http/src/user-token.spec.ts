import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMetricsRegistry, silentLogger } from '@notify/observability';
import { createHttpServer } from './server';
import { AuthenticationError, createTokenVerifier, hs256Verifier, optionalTokenVerificationOf, requireUser, tokenVerificationOf } from './user-token';

const secret = 'gateway-test-secret-0123456789abcdef';
/** A token that expires in five minutes unless told otherwise (`exp: null`: none). */
const sign = (claims: { sub?: string; exp?: number | null; iat?: number }, key: string = secret, alg = 'HS256') => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg });
  if (claims.sub) jwt.setSubject(claims.sub);
  if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? '5m');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  return jwt.sign(new TextEncoder().encode(key));
};
const nowS = () => Math.floor(Date.now() / 1000);

describe('hs256Verifier', () => {
  const verify = hs256Verifier(secret);

  it('returns the subject of a valid token and when it expires', async () => {
    const exp = nowS() + 300;
    expect(await verify(await sign({ sub: 'alice', exp }))).toEqual({ userId: 'alice', expiresAt: exp * 1000 });
  });

  it('refuses a token that never expires, or lives longer than the longest lifetime', async () => {
    await expect(verify(await sign({ sub: 'alice', exp: null }))).rejects.toThrow('token has no expiry (exp): this service accepts only tokens that expire');
    const hourly = hs256Verifier(secret, 3600, 'the gateway');
    await expect(hourly(await sign({ sub: 'alice', exp: nowS() + 7200 }))).rejects.toThrow(/^token lives 720\d s; the gateway accepts tokens of at most 3600 s$/);
    await expect(hourly(await sign({ sub: 'alice', iat: nowS() - 3000, exp: nowS() + 1000 }))).rejects.toThrow('token lives 4000 s; the gateway accepts tokens of at most 3600 s');
    expect((await hourly(await sign({ sub: 'alice', iat: nowS(), exp: nowS() + 3600 }))).userId).toBe('alice');
  });

  it('refuses, with the reason, a bad signature, an expired token, a token without subject, another algorithm and garbage', async () => {
    await expect(verify(await sign({ sub: 'alice' }, 'another-secret-of-sufficient-length!!'))).rejects.toThrow('bad token signature');
    await expect(verify(await sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 5 }))).rejects.toThrow('token expired');
    await expect(verify(await sign({}))).rejects.toThrow('token has no subject (sub)');
    await expect(verify(await sign({ sub: 'alice' }, secret, 'HS512'))).rejects.toThrow(/invalid token/);
    await expect(verify('not.a.jwt')).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('RS256 and JWKS verification', () => {
  const rsaToken = async (privateKey: Parameters<SignJWT['sign']>[0], claims: { sub: string; kid?: string; iss?: string }) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'RS256', ...(claims.kid ? { kid: claims.kid } : {}) }).setSubject(claims.sub).setExpirationTime('5m');
    if (claims.iss) jwt.setIssuer(claims.iss);
    return jwt.sign(privateKey);
  };

  it('verifies with a PEM public key and checks the issuer when configured', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const verify = await createTokenVerifier({ kind: 'rs256', publicKeyPem: await exportSPKI(publicKey), issuer: 'https://id.example.com' });
    expect((await verify(await rsaToken(privateKey, { sub: 'alice', iss: 'https://id.example.com' }))).userId).toBe('alice');
    await expect(verify(await rsaToken(privateKey, { sub: 'alice', iss: 'https://evil.example.com' }))).rejects.toThrow('token claim "iss" is not accepted');
    const other = await generateKeyPair('RS256');
    await expect(verify(await rsaToken(other.privateKey, { sub: 'alice', iss: 'https://id.example.com' }))).rejects.toThrow('bad token signature');
    // An HS256 token signed with the public key as secret (the classic confusion attack) is refused.
    await expect(verify(await sign({ sub: 'alice' }, await exportSPKI(publicKey)))).rejects.toThrow(/invalid token/);
  });

  it('fetches keys from a JWKS URL and picks up a rotated key', async () => {
    const first = await generateKeyPair('RS256');
    const second = await generateKeyPair('RS256');
    const published = [{ ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const verify = await createTokenVerifier({ kind: 'jwks', url: `http://127.0.0.1:${port}/.well-known/jwks.json` }, { jwksCooldownMs: 20 });
      expect((await verify(await rsaToken(first.privateKey, { sub: 'alice', kid: 'k1' }))).userId).toBe('alice');
      await expect(verify(await rsaToken(second.privateKey, { sub: 'bob', kid: 'k2' }))).rejects.toThrow('no key in the JWKS matches the token');
      published.push({ ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' });
      await sleep(50);
      expect((await verify(await rsaToken(second.privateKey, { sub: 'bob', kid: 'k2' }))).userId).toBe('bob');
    } finally {
      server.close();
    }
  });
});

describe('tokenVerificationOf', () => {
  const none = { jwtSecret: undefined, jwtPublicKey: undefined, jwtJwksUrl: undefined, jwtIssuer: undefined, jwtAudience: undefined, jwtMaxLifetimeS: 3600 };
  it('requires exactly one way to verify tokens, naming the settings', () => {
    expect(() => tokenVerificationOf(none)).toThrow('JWT_SECRET: required but not set (set one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL)');
    expect(() => tokenVerificationOf({ ...none, jwtSecret: secret, jwtJwksUrl: 'https://id.example.com/jwks' })).toThrow('set only one of');
    expect(tokenVerificationOf({ ...none, jwtJwksUrl: 'https://id.example.com/jwks', jwtAudience: 'app' })).toEqual({ kind: 'jwks', url: 'https://id.example.com/jwks', audience: 'app', maxLifetimeS: 3600 });
  });

  it('answers nothing configured as undefined where the token is optional, and still refuses two methods', () => {
    expect(optionalTokenVerificationOf(none)).toBeUndefined();
    expect(() => optionalTokenVerificationOf({ ...none, jwtSecret: secret, jwtPublicKey: '-----BEGIN PUBLIC KEY-----' })).toThrow('JWT_SECRET: set only one of');
    expect(optionalTokenVerificationOf({ ...none, jwtSecret: secret })).toEqual({ kind: 'hs256', secret, maxLifetimeS: 3600 });
  });
});

describe('requireUser', () => {
  it('admits a valid user token as request.user, and answers 401 with the reason otherwise', async () => {
    const { app } = createHttpServer({ logger: silentLogger(), metrics: createMetricsRegistry('test', { processMetrics: false }) });
    app.get('/v1/me', { preHandler: requireUser(hs256Verifier(secret)) }, async (request) => ({ userId: request.user!.userId }));
    const call = (authorization?: string) => app.inject({ url: '/v1/me', headers: authorization ? { authorization } : {} });
    expect((await call(`Bearer ${await sign({ sub: 'alice' })}`)).json()).toEqual({ userId: 'alice' });
    const missing = await call();
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error).toEqual({ code: 'NOTIFY_ERR_UNAUTHENTICATED', message: 'send the user’s token as "Authorization: Bearer <jwt>"' });
    const expired = await call(`Bearer ${await sign({ sub: 'alice', exp: nowS() - 5 })}`);
    expect([expired.statusCode, expired.json().error.message]).toEqual([401, 'token expired']);
  });
});
