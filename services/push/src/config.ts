import { standaloneSettings } from '@notify/runtime';

export const pushSettings = standaloneSettings(3003);
