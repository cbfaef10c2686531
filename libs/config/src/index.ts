export * from './setting';
export * from './types';
export * from './common';
export * from './kafka-security';
export * from './retention';
export * from './env-file';
