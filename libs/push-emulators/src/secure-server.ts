import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { SelfSignedIdentity } from './self-signed';

export type RequestHandler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

export interface SecureServer {
  readonly port: number;
  /** TLS connections accepted so far (a client's HTTP/2 sessions). */
  readonly connectionsAccepted: number;
  close(): Promise<void>;
}

/**
 * Listens with TLS and HTTP/2 on 127.0.0.1 (and HTTP/1.1 too when asked). Closing drops open
 * connections, since push clients keep their sessions alive and would hold the server open.
 */
export async function listenSecure(options: {
  identity: SelfSignedIdentity;
  port?: number;
  allowHTTP1: boolean;
  handler: RequestHandler;
}): Promise<SecureServer> {
  const server = http2.createSecureServer({ key: options.identity.key, cert: options.identity.cert, allowHTTP1: options.allowHTTP1 });
  const sockets = new Set<TLSSocket>();
  let accepted = 0;
  server.on('secureConnection', (socket: TLSSocket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', options.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get connectionsAccepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Reads a request body whole, stopping early (and reporting overflow) past `limit` bytes. */
export async function readBody(req: http2.Http2ServerRequest, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) overflow = true;
    else chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), overflow };
}

export const delay = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
