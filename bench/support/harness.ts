import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { NotifyClient } from '@notify/client';
import type { ClientNotification } from '@notify/contracts';

/** Runs a script under support/ as its own process (so its memory and CPU are its own) and waits for its READY line. */
export async function startServer(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildProcess> {
  const server = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(new URL(`./${script}`, import.meta.url))], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve());
    server.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return server;
}

/** Connects `count` users (user-0 …) through the client SDK over WebSocket, 250 at a time, each calling `onNotification`. */
export async function connectClients(url: string, jwtSecret: string, count: number, onNotification: (n: ClientNotification) => void, options: { autoAck?: boolean } = {}): Promise<NotifyClient[]> {
  const key = new TextEncoder().encode(jwtSecret);
  const clients: NotifyClient[] = [];
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, async (_, j) => {
        const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`user-${i + j}`).setExpirationTime('1h').sign(key);
        const client = new NotifyClient({ url, token, transports: ['websocket'], ...(options.autoAck === undefined ? {} : { autoAck: options.autoAck }) });
        client.on('notification', onNotification);
        await client.connect();
        clients.push(client);
      }),
    );
  }
  return clients;
}

/** The value at percentile p of an ascending list. */
export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
