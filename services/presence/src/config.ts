import { standaloneSettings } from '@notify/runtime';

export const presenceSettings = standaloneSettings(3002);
