export * from './errors';
export * from './server';
export * from './auth';
export * from './scopes';
export * from './deadline';
export * from './openapi';
export type { FastifyPluginAsyncZod as RoutesPlugin, ZodTypeProvider } from 'fastify-type-provider-zod';
export * from './user-token';
