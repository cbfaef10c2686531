import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// Browser tests start a router and a chromium: give them room.
export default mergeConfig(sharedTestConfig, defineConfig({ test: { testTimeout: 120_000, hookTimeout: 300_000 } }));
