export * from './setting';
export * from './types';
export * from './common';
