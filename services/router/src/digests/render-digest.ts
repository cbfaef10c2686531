import type { Notification } from '@notify/contracts';
import type { DigestBucket } from '@notify/store';

export interface DigestTemplate {
  title: string;
  body?: string;
}

/** `{{count}}`, and `{{latest.title}}` / `{{latest.body}}` from the newest item. */
export function renderTemplate(template: string, bucket: DigestBucket): string {
  const latest = bucket.items[bucket.items.length - 1];
  const values: Record<string, string> = { count: String(bucket.items.length), 'latest.title': latest?.title ?? '', 'latest.body': latest?.body ?? '' };
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * One push for a closed digest bucket. Its id derives from the bucket, so sending it again after a
 * crash (recovery) is the same notification, which the push stage sends once.
 */
export function digestNotification(bucket: DigestBucket, template: DigestTemplate, now: Date): Notification {
  const titles = bucket.items.map((i) => i.title).filter((t): t is string => Boolean(t));
  return {
    version: 1,
    notificationId: `digest:${bucket.bucketId}`,
    eventId: `digest:${bucket.bucketId}`,
    userId: bucket.userId,
    type: 'digest',
    priority: 'marketing',
    content: {
      title: renderTemplate(template.title, bucket).slice(0, 256),
      body: (template.body ? renderTemplate(template.body, bucket) : titles.join(' · ')).slice(0, 4096),
      data: { digestKey: bucket.digestKey, eventIds: bucket.items.map((i) => i.eventId) },
    },
    createdAt: now.toISOString(),
    collapseKey: `digest:${bucket.digestKey}`.slice(0, 64),
    digest: { count: bucket.items.length, eventIds: bucket.items.map((i) => i.eventId) },
  };
}
