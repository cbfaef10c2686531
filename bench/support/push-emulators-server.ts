/**
 * The APNs and FCM emulators in a process of their own for the push benchmark, so that the CPU they
 * spend answering is not counted as the push service's. Verifies APNs provider tokens with
 * BENCH_APNS_KEY (the .p8), writes where they listen to BENCH_EMULATORS_FILE, and answers how many
 * pushes each received on GET /counts (on BENCH_COUNTS_PORT).
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { ApnsEmulator, FcmEmulator } from '@notify/push-emulators';

export interface EmulatorsFile {
  apns: { address: string; port: number; ca: string };
  fcm: { address: string; port: number; ca: string };
  countsUrl: string;
}

const key = process.env.BENCH_APNS_KEY ?? '';
const apns = await new ApnsEmulator({ auth: { key, keyId: 'BENCHKEY01', teamId: 'BENCHTEAM1' }, recordLimit: 100 }).start();
const fcm = await new FcmEmulator({ projectId: 'bench', recordLimit: 100 }).start();
const counts = createServer((_req, res) => res.end(JSON.stringify({ apns: apns.receivedCount, fcm: fcm.receivedCount })));
await new Promise<void>((resolve) => counts.listen(0, '127.0.0.1', resolve));
const countsPort = (counts.address() as { port: number }).port;
const file: EmulatorsFile = {
  apns: { address: apns.address, port: apns.port, ca: apns.ca },
  fcm: { address: fcm.address, port: fcm.port, ca: fcm.ca },
  countsUrl: `http://127.0.0.1:${countsPort}/counts`,
};
await writeFile(process.env.BENCH_EMULATORS_FILE ?? '', JSON.stringify(file));
process.on('SIGTERM', () => void Promise.all([apns.stop(), fcm.stop()]).then(() => process.exit(0)));
console.log('READY');
