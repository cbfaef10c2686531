import { env, setting } from '@notify/config';
import { standaloneSettings } from '@notify/runtime';

export const routerSettings = {
  ...standaloneSettings(3000),
  maxBatchEvents: setting('ROUTER_MAX_BATCH_EVENTS', env.int(500, 1), 'Most events one POST /v1/events batch may carry'),
};
