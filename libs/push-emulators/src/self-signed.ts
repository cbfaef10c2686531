import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * A throw-away TLS identity: a P-256 key and a self-signed X.509 v3 certificate for it.
 * Node can make keys but not certificates, so the certificate is DER-encoded here (a few
 * dozen lines) rather than pulling in an ASN.1 library for one structure.
 */
export interface SelfSignedIdentity {
  /** PEM certificate; trust it as the CA on the client side. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface SelfSignedOptions {
  commonName?: string;
  /** Host names the certificate is valid for (subjectAltName dNSName). */
  dnsNames?: string[];
  /** IP addresses the certificate is valid for (subjectAltName iPAddress). */
  ipAddresses?: string[];
  validDays?: number;
}

/**
 * Generates a fresh key and a self-signed certificate.
 * @example const { cert, key } = generateSelfSigned({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
 */
export function generateSelfSigned(options: SelfSignedOptions = {}): SelfSignedIdentity {
  const { commonName = 'push-emulator', dnsNames = ['localhost'], ipAddresses = ['127.0.0.1'], validDays = 365 } = options;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const now = Date.now();
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));

  const altNames = [
    ...dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
    ...ipAddresses.map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const extensions = seq(
    extension('2.5.29.19', seq(tlv(0x01, Buffer.from([0xff]))), true), // basicConstraints CA:TRUE: the cert is its own trust anchor
    extension('2.5.29.15', tlv(0x03, Buffer.from([0x02, 0x84])), true), // keyUsage digitalSignature + keyCertSign
    extension('2.5.29.37', seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage serverAuth
    extension('2.5.29.14', tlv(0x04, createHash('sha1').update(spki.subarray(-65)).digest())), // subjectKeyIdentifier
    extension('2.5.29.17', seq(...altNames)),
  );

  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(randomBytes(16)),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now - 60 * 60_000)), utcTime(new Date(now + validDays * 86_400_000))),
    name,
    spki,
    tlv(0xa3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA signature
  const certificate = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));

  return {
    cert: toPem('CERTIFICATE', certificate),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function tlv(tag: number, value: Buffer): Buffer {
  const length = value.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, value]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

function integer(bytes: Buffer): Buffer {
  let value = bytes;
  while (value.length > 1 && value[0] === 0 && (value[1]! & 0x80) === 0) value = value.subarray(1);
  // A leading 1 bit would make the INTEGER negative; serial numbers must be positive.
  if ((value[0]! & 0x80) !== 0) value = Buffer.concat([Buffer.from([0]), value]);
  return tlv(0x02, value);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let n = arc >>> 7; n > 0; n >>>= 7) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  if (isIP(ip) !== 6) throw new Error(`not an IP address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [...groups(head), ...Array<string>(ip.includes('::') ? missing : 0).fill('0'), ...groups(tail)];
  return Buffer.from(all.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
