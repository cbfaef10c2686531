import { standaloneSettings } from '@notify/runtime';

export const gatewaySettings = standaloneSettings(3001);
