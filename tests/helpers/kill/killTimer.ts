import { Worker } from 'node:worker_threads';

/**
 * SIGKILLs this process a given time after `start()`, from a worker thread, so the kill
 * lands even while the main thread is busy inside a synchronous SQLite call (a
 * migration runs in one). The test chooses the delay (seeded) and passes it in.
 */
export async function armKillTimer(delayMs: number): Promise<{ start(): void }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const flag = new Int32Array(workerData.buffer);
     Atomics.wait(flag, 0, 0);
     const from = performance.now();
     while (performance.now() - from < workerData.delayMs) {}
     process.kill(process.pid, 'SIGKILL');`,
    { eval: true, workerData: { buffer: flag.buffer, delayMs } },
  );
  await new Promise<void>((resolve) => worker.once('online', () => resolve()));
  // Only now: an unreferenced worker would not keep the process alive while it starts.
  worker.unref();
  return {
    start() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
  };
}
