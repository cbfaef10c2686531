import { cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';
import { ConfigError, type ConfigOf } from '@notify/config';
import type { apnsSettings, fcmSettings } from './config';
import { ApnsSender } from './senders/apns-sender';
import { FCM_BATCH_LIMIT, FcmSender } from './senders/fcm-sender';
import { ProjectThrottle } from './senders/project-throttle';
import type { PushSender } from './senders/push-sender';

type ProviderConfig = ConfigOf<typeof apnsSettings> & ConfigOf<typeof fcmSettings>;

/**
 * The senders the configuration asks for. A provider left unconfigured is absent (its devices get a
 * `failed` status); one configured halfway stops start-up naming what is missing.
 */
export function sendersFromConfig(config: ProviderConfig): { apns?: PushSender; fcm?: PushSender } {
  const problems: Array<{ variable: string; message: string }> = [];
  const senders: { apns?: PushSender; fcm?: PushSender } = {};
  const apnsParts = { APNS_KEY: config.apnsKey, APNS_KEY_ID: config.apnsKeyId, APNS_TEAM_ID: config.apnsTeamId };
  const given = Object.entries(apnsParts).filter(([, v]) => v !== undefined);
  if (given.length > 0 && given.length < 3) {
    for (const [variable, value] of Object.entries(apnsParts)) if (value === undefined) problems.push({ variable, message: 'required with the other APNs settings' });
  } else if (given.length === 3) {
    senders.apns = new ApnsSender({ key: config.apnsKey!.replace(/\\n/g, '\n'), keyId: config.apnsKeyId!, teamId: config.apnsTeamId!, address: config.apnsAddress, port: config.apnsPort, connections: config.apnsConnections, ca: config.apnsCa?.replace(/\\n/g, '\n') });
  }
  if (config.fcmThrottleMaxMs < config.fcmThrottleFloorMs) problems.push({ variable: 'FCM_THROTTLE_MAX_MS', message: `must be at least FCM_THROTTLE_FLOOR_MS (${config.fcmThrottleFloorMs})` });
  if (config.fcmServiceAccount !== undefined) {
    try {
      const account = JSON.parse(config.fcmServiceAccount) as { project_id?: string; client_email?: string; private_key?: string };
      if (!account.client_email || !account.private_key) throw new Error('needs client_email and private_key');
      const projectId = config.fcmProjectId ?? account.project_id;
      const app = initializeApp({ credential: cert(account as Parameters<typeof cert>[0]), ...(projectId ? { projectId } : {}) }, `push-${Date.now()}`);
      const sender = new FcmSender(getMessaging(app), FCM_BATCH_LIMIT, new ProjectThrottle({ floorMs: config.fcmThrottleFloorMs, maxMs: config.fcmThrottleMaxMs }), { iconUrl: config.fcmWebIconUrl });
      // The app is ours, so closing the sender deletes it.
      senders.fcm = { provider: 'fcm', send: (messages) => sender.send(messages), close: async () => deleteApp(app) };
    } catch (err) {
      problems.push({ variable: 'FCM_SERVICE_ACCOUNT', message: `must be a Firebase service account key (JSON): ${(err as Error).message}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return senders;
}
