import { ApnsEmulator, FcmEmulator } from '@notify/push-emulators';
import { connectFirebaseToEmulator, type EmulatedFirebase } from '@notify/push-emulators/firebase-harness';
import { ApnsSender } from '../src/senders/apns-sender';
import { FCM_BATCH_LIMIT, FcmSender } from '../src/senders/fcm-sender';
import { ProjectThrottle } from '../src/senders/project-throttle';
import type { WebPushLook } from '../src/senders/fcm-payload';
import { apnsAuthKey } from './sender-fixtures';

/** Local APNs and FCM, and real node-apn and firebase-admin senders pointed at them. */
export interface ProvidersUnderTest {
  apns: ApnsEmulator;
  fcm: FcmEmulator;
  /** New senders for one push instance (closing a sender does not stop the emulators). */
  senders(web?: WebPushLook): { apns: ApnsSender; fcm: FcmSender };
  stop(): Promise<void>;
}

export async function startProviders(): Promise<ProvidersUnderTest> {
  const auth = apnsAuthKey();
  const apns = await new ApnsEmulator({ auth }).start();
  const fcm = await new FcmEmulator({ projectId: 'notify-test' }).start();
  const firebase: EmulatedFirebase = connectFirebaseToEmulator(fcm, { projectId: 'notify-test' });
  return {
    apns,
    fcm,
    senders: (web = {}) => ({
      apns: new ApnsSender({ ...auth, address: apns.address, port: apns.port, ca: apns.ca }),
      // The firebase app is the test's: the sender's close() leaves it open for the next instance.
      fcm: new FcmSender(firebase.messaging, FCM_BATCH_LIMIT, new ProjectThrottle({ floorMs: 3000, maxMs: 10_000 }), web),
    }),
    stop: async () => {
      await firebase.close();
      await apns.stop();
      await fcm.stop();
    },
  };
}
