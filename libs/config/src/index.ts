export * from './setting';
export * from './types';
export * from './common';
export * from './retention';
