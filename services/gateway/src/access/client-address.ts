import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * Which proxies in front of the gateway may say who the client is (X-Forwarded-For): none (the
 * peer's own address counts), all of them, the nearest `hops`, or those at these addresses/ranges.
 */
export type TrustProxy = false | true | { hops: number } | { addresses: string[] };

/** The address a connection comes from, as the trusted proxies report it. */
export type ClientAddressOf = (request: IncomingMessage) => string;

/**
 * One answer for socket.io handshakes and HTTP requests alike (socket.io does not go through
 * fastify's routes, so fastify's own `trustProxy` would cover only half of the connections).
 */
export function clientAddressOf(trust: TrustProxy): ClientAddressOf {
  if (trust === false) return (request) => request.socket.remoteAddress ?? 'unknown';
  const trusted = trust === true ? () => true : 'hops' in trust ? (_address: string, i: number) => i < trust.hops : proxyAddr.compile(trust.addresses);
  return (request) => proxyAddr(request, trusted);
}

/**
 * GATEWAY_TRUST_PROXY as written: `false`, `true`, a number of hops, or comma-separated addresses and
 * CIDR ranges (`loopback`, `linklocal` and `uniquelocal` name the usual private ranges). Throws with
 * the reason on anything else.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text) === 0 ? false : { hops: Number(text) };
  const addresses = text.split(',').map((s) => s.trim()).filter(Boolean);
  proxyAddr.compile(addresses); // throws on an address or range it cannot read
  return { addresses };
}
