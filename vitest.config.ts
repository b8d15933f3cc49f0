import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
          // One throwaway PostgreSQL cluster shared by the files that ask for it, stopped at the end.
          globalSetup: ['tests/helpers/postgresGlobal.ts'],
          // electron-store imports electron, whose binary is absent here: let vitest
          // transform it so the electron mock in tests applies.
          server: { deps: { inline: ['electron-store'] } },
        },
      },
      {
        plugins: [react()],
        define: { __APP_VERSION__: JSON.stringify('0.0.0-test') },
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['tests/renderer/**/*.test.{ts,tsx}'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
