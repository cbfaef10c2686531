import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, hs256Verifier } from './verify-token';

const secret = 'gateway-test-secret-0123456789abcdef';
const sign = (claims: { sub?: string; exp?: number }, key = secret, alg = 'HS256') => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg });
  if (claims.sub) jwt.setSubject(claims.sub);
  if (claims.exp) jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(key));
};

describe('hs256Verifier', () => {
  const verify = hs256Verifier(secret);

  it('returns the subject of a valid token', async () => {
    expect(await verify(await sign({ sub: 'alice' }))).toBe('alice');
  });

  it('refuses, with the reason, a bad signature, an expired token, a token without subject, another algorithm and garbage', async () => {
    await expect(verify(await sign({ sub: 'alice' }, 'another-secret-of-sufficient-length!!'))).rejects.toThrow('bad token signature');
    await expect(verify(await sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 5 }))).rejects.toThrow('token expired');
    await expect(verify(await sign({}))).rejects.toThrow('token has no subject (sub)');
    await expect(verify(await sign({ sub: 'alice' }, secret, 'HS512'))).rejects.toThrow(/invalid token/);
    await expect(verify('not.a.jwt')).rejects.toBeInstanceOf(AuthenticationError);
  });
});
