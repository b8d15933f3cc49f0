import type { TestProject } from 'vitest/node';
import { clusterDir, stopCluster } from './postgresCluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where this run's PostgreSQL cluster lives once a test file starts it (tests/helpers/postgres.ts). */
    sferumPgDir: string;
  }
}

/**
 * Global setup of the node tests: a directory for one PostgreSQL cluster that the test
 * files share (started by the first one that needs it), stopped when the run ends.
 * Costs nothing when no test uses PostgreSQL.
 */
export default function setup(project: TestProject): () => void {
  const dir = clusterDir();
  project.provide('sferumPgDir', dir);
  return () => stopCluster(dir);
}
