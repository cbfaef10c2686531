import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../vitest.shared.ts';

// The repository's scripts keep their specs beside them (`scripts/*.spec.ts`).
export default mergeConfig(sharedTestConfig, defineConfig({ test: { include: ['*.spec.ts'] } }));
