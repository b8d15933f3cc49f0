import type { z } from 'zod';
import type { Core } from './index.js';

/** One channel of an IPC contract: the zod schemas of its input and its output. */
export interface ChannelContract {
  input: z.ZodType;
  output: z.ZodType;
}

/**
 * The handler of one channel: its input is what the channel's input schema parsed, and
 * what it returns must be acceptable to the channel's output schema (which the router
 * parses it with before anything crosses to the renderer).
 */
export type IpcHandler<C extends ChannelContract> = (
  core: Core,
  input: z.output<C['input']>,
) => z.input<C['output']> | Promise<z.input<C['output']>>;

/** One handler for every channel of a contract. */
export type IpcHandlers<T extends Record<string, ChannelContract>> = { [K in keyof T]: IpcHandler<T[K]> };

/**
 * Typed handlers for some channels of a contract: `defineHandlers<typeof IPC>()({ ... })`.
 * Each handler's input and result are typed from its own channel's schemas, so no handler
 * casts its input; a name that is not a channel of the contract is a type error.
 */
export function defineHandlers<T extends Record<string, ChannelContract>>() {
  return <K extends keyof T>(handlers: { [P in K]: IpcHandler<T[P]> }): { [P in K]: IpcHandler<T[P]> } =>
    handlers;
}
