export type Platform = 'ios' | 'android' | 'web';
export type PushEnvironment = 'sandbox' | 'production';
/**
 * What a token reaches: the app (`device`), or one iOS Live Activity (`liveactivity`, the token
 * ActivityKit gives the activity), which only that activity's updates are sent to.
 */
export type DeviceKind = 'device' | 'liveactivity';

export interface Device {
  token: string;
  userId: string;
  platform: Platform;
  /** Bundle id (iOS) or package name (Android): the APNs topic / FCM app. */
  appId: string;
  environment: PushEnvironment;
  /** Read back as 'device' for tokens stored before kinds existed; absent in objects built by hand. */
  kind?: DeviceKind;
  /** The Live Activity a `liveactivity` token belongs to, as the product named it (an order id). */
  activityId?: string;
  locale?: string;
  timeZone?: string;
  active: boolean;
  deactivatedReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** `kind` defaults to 'device'; registering a token as a device again drops its `activityId`. */
export type DeviceRegistration = Pick<Device, 'token' | 'userId' | 'platform' | 'appId' | 'environment'> & Partial<Pick<Device, 'kind' | 'activityId' | 'locale' | 'timeZone'>>;

export interface DeviceRepository {
  /** Upsert by token: the same token twice is one device; a token seen under another user moves to this one. */
  register(input: DeviceRegistration): Promise<{ device: Device; previousUserId?: string }>;
  unregister(token: string): Promise<boolean>;
  /** The provider said the token is dead (unregistered, bad token): never push to it again until re-registered. */
  deactivate(token: string, reason: string): Promise<void>;
  findByToken(token: string): Promise<Device | null>;
  listActive(userId: string): Promise<Device[]>;
  /** Several users' active devices with one read (a push slice's users); a user with none is absent. */
  listActiveMany(userIds: readonly string[]): Promise<Map<string, Device[]>>;
  countActive(userId: string): Promise<number>;
}
