import { z } from 'zod';

const Void = z.null();

/**
 * IPC channels of the local profiles on this computer (each its own device, cache and
 * sign-in), spread into the IPC contract (ipc.ts). Sign-in's own channels are there too.
 */
export const ACCOUNTS_IPC = {
  'accounts.add': { input: Void, output: z.object({ id: z.string() }) },
  'accounts.switch': { input: z.object({ id: z.string().min(1).max(100) }), output: Void },
  'accounts.remove': { input: z.object({ id: z.string().min(1).max(100) }), output: Void },
} as const;
