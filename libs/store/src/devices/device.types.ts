export type Platform = 'ios' | 'android' | 'web';
export type PushEnvironment = 'sandbox' | 'production';

export interface Device {
  token: string;
  userId: string;
  platform: Platform;
  /** Bundle id (iOS) or package name (Android): the APNs topic / FCM app. */
  appId: string;
  environment: PushEnvironment;
  locale?: string;
  timeZone?: string;
  active: boolean;
  deactivatedReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeviceRegistration = Pick<Device, 'token' | 'userId' | 'platform' | 'appId' | 'environment'> & Partial<Pick<Device, 'locale' | 'timeZone'>>;

export interface DeviceRepository {
  /** Upsert by token: the same token twice is one device; a token seen under another user moves to this one. */
  register(input: DeviceRegistration): Promise<{ device: Device; previousUserId?: string }>;
  unregister(token: string): Promise<boolean>;
  /** The provider said the token is dead (unregistered, bad token): never push to it again until re-registered. */
  deactivate(token: string, reason: string): Promise<void>;
  findByToken(token: string): Promise<Device | null>;
  listActive(userId: string): Promise<Device[]>;
  countActive(userId: string): Promise<number>;
}
