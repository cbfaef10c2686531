import { z } from 'zod';
import { setting } from '@notify/config';
import { standaloneSettings } from '@notify/runtime';

export const jwtSecretSetting = setting(
  'JWT_SECRET',
  z.string({ error: 'required but not set' }).min(32, 'must be at least 32 characters (HS256 shared secret)'),
  'HS256 secret that verifies the JWT a client presents on the socket handshake (its `sub` is the user id)',
);

export const gatewaySettings = {
  ...standaloneSettings(3001),
  jwtSecret: jwtSecretSetting,
};
