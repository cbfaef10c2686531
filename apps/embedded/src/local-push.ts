import { generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { refusals, requireToken, type ApiToken, type ZodTypeProvider } from '@notify/http';
import { ApnsSender, FcmSender, type PushSender } from '@notify/push';
import { ApnsEmulator, FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator } from '@notify/push-emulators/firebase-harness';
import type { ServiceModule } from '@notify/runtime';

export interface LocalPush {
  senders: { apns: PushSender; fcm: PushSender };
  /** Starts first and stops last, around the push service that uses it. */
  module: ServiceModule;
}

/**
 * With no APNs key or FCM account configured, the embedded product pushes to local emulators of
 * both providers, through the real node-apn and firebase-admin, so the whole flow can be tried
 * offline; `GET /v1/dev/pushes` shows what they received.
 */
export async function startLocalPush(app: FastifyInstance, adminTokens: readonly ApiToken[]): Promise<LocalPush> {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const auth = { key, keyId: 'LOCALKEY01', teamId: 'LOCALTEAM1' };
  const apns = await new ApnsEmulator({ auth, recordLimit: 200 }).start();
  const fcm = await new FcmEmulator({ projectId: 'notify-local', recordLimit: 200 }).start();
  const firebase = connectFirebaseToEmulator(fcm, { projectId: 'notify-local' });
  const received = z.array(z.unknown()).describe('The last 50 requests, as the emulator received them');
  const schema = {
    summary: 'The pushes the local APNs and FCM emulators received (embedded product only)',
    tags: ['development'],
    response: { 200: z.object({ note: z.string(), apns: received, fcm: received }), ...refusals(401, 403) },
  };
  app.withTypeProvider<ZodTypeProvider>().get('/v1/dev/pushes', { preValidation: requireToken(adminTokens, ['admin', 'producer']), schema }, async () => ({
    note: 'pushes received by the local APNs and FCM emulators (newest last)',
    apns: apns.received.slice(-50),
    fcm: fcm.received.slice(-50),
  }));
  return {
    senders: { apns: new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca }), fcm: new FcmSender(firebase.messaging) },
    module: {
      name: 'push-emulators',
      start: async () => {},
      stop: async () => {
        await firebase.close();
        await apns.stop();
        await fcm.stop();
      },
    },
  };
}
