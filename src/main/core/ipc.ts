import { AppError, hasErrorCode } from '../../shared/errors.js';
import { DroppedPathsSchema } from '../../shared/documents/ipc.js';
import { IPC, type IpcChannel, type IpcResult } from '../../shared/ipc.js';
import { AUTH_IPC_HANDLERS } from './auth/ipcHandlers.js';
import { CHATS_IPC_HANDLERS } from './chats/ipcHandlers.js';
import { DOCUMENT_IPC_HANDLERS } from './documents/ipcHandlers.js';
import { FAMILY_IPC_HANDLERS } from './family/ipcHandlers.js';
import { defineHandlers, type IpcHandlers } from './handlers.js';
import type { Core } from './index.js';
import type { Logger } from './ports.js';
import { SETTINGS_IPC_HANDLERS } from './settings/ipcHandlers.js';
import { SUPPORT_IPC_HANDLERS } from './support/ipcHandlers.js';
import { SYNC_IPC_HANDLERS } from './sync/ipcHandlers.js';

type Handler = (core: Core, input: unknown) => unknown;

/** The channels of the app as a whole: its state, the screen it shows, external links. */
const APP_IPC_HANDLERS = defineHandlers<typeof IPC>()({
  'app.getState': (core) => core.getState(),
  'app.setScreen': (core, { screen }) => {
    core.setScreen(screen);
    return null;
  },
  'shell.openExternal': async (core, { url }) => {
    await core.openExternal(url);
    return null;
  },
});

/**
 * One handler per contract channel, each capability's from its own folder. The input
 * arrives already validated against the channel's schema and typed from it, so each
 * handler is a one-line call into the core; the `satisfies` below makes a new channel
 * without a handler a type error.
 */
const HANDLERS = {
  ...APP_IPC_HANDLERS,
  ...SETTINGS_IPC_HANDLERS,
  ...AUTH_IPC_HANDLERS,
  ...SYNC_IPC_HANDLERS,
  ...SUPPORT_IPC_HANDLERS,
  ...DOCUMENT_IPC_HANDLERS,
  ...FAMILY_IPC_HANDLERS,
  ...CHATS_IPC_HANDLERS,
} satisfies IpcHandlers<typeof IPC>;

export const IPC_HANDLED_CHANNELS = Object.keys(HANDLERS) as IpcChannel[];

export interface IpcRouter {
  invoke(channel: string, rawInput: unknown, sender: { frameUrl: string | null }): Promise<IpcResult>;
  /**
   * The preload's report of the paths of files dropped on the window (DROPPED_PATHS_CHANNEL,
   * which the page cannot send on): they become grants documents.enqueuePaths accepts. True
   * when they were granted; a report from an untrusted frame or malformed is dropped.
   */
  droppedPaths(rawInput: unknown, sender: { frameUrl: string | null }): boolean;
}

function isChannel(channel: string): channel is IpcChannel {
  return (
    Object.prototype.hasOwnProperty.call(IPC, channel) &&
    Object.prototype.hasOwnProperty.call(HANDLERS, channel)
  );
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  if (!first) return 'The request is malformed.';
  const where = first.path.length > 0 ? ` at "${first.path.map(String).join('.')}"` : '';
  return `The request is malformed${where}: ${first.message}.`;
}

/**
 * The IPC boundary, Electron-free: the shell passes each call in with the sender
 * frame's URL. It refuses frames it does not trust (a navigated or injected frame must
 * not reach the core), validates the input, and parses the output with the contract
 * so that nothing undeclared (a token, a stack) can cross to the renderer.
 */
export function createIpcRouter(
  core: Core,
  options: { isTrustedSender(frameUrl: string): boolean; logger?: Logger },
): IpcRouter {
  const logger = options.logger ?? { info: () => {}, warn: console.warn, error: console.error };
  const trustedSender = (frameUrl: string | null): boolean => {
    try {
      return typeof frameUrl === 'string' && options.isTrustedSender(frameUrl);
    } catch {
      return false;
    }
  };
  return {
    droppedPaths(rawInput, sender) {
      if (!trustedSender(sender.frameUrl)) {
        logger.warn('Dropped paths refused from an untrusted frame', sender.frameUrl);
        return false;
      }
      const paths = DroppedPathsSchema.safeParse(rawInput);
      if (!paths.success) return false;
      core.documents.grants.add(paths.data);
      return true;
    },

    async invoke(channel, rawInput, sender) {
      if (typeof channel !== 'string' || !isChannel(channel)) {
        return { ok: false, error: { code: 'VALIDATION_FAILED', message: 'Unknown request.' } };
      }
      if (!trustedSender(sender.frameUrl)) {
        logger.warn(`IPC ${channel} refused from an untrusted frame`, sender.frameUrl);
        return {
          ok: false,
          error: { code: 'IPC_SENDER_REFUSED', message: 'This window may not call the app.' },
        };
      }
      const contract = IPC[channel];
      const input = contract.input.safeParse(rawInput === undefined ? null : rawInput);
      if (!input.success) {
        return {
          ok: false,
          error: { code: 'VALIDATION_FAILED', message: describeIssues(input.error.issues) },
        };
      }
      try {
        // The table pairs each channel with its own handler; `input.data` is that channel's
        // parsed input, which the compiler cannot correlate through the union of channels.
        const value = await (HANDLERS[channel] as Handler)(core, input.data);
        const output = contract.output.safeParse(value === undefined ? null : value);
        if (!output.success) {
          logger.error(`IPC ${channel} produced an output outside its contract`, output.error.issues);
          return { ok: false, error: { code: 'INTERNAL', message: 'Something went wrong in the app.' } };
        }
        return { ok: true, value: output.data };
      } catch (error) {
        if (error instanceof AppError || hasErrorCode(error)) {
          return { ok: false, error: { code: error.code, message: error.message } };
        }
        logger.error(`IPC ${channel} failed`, error);
        return { ok: false, error: { code: 'INTERNAL', message: 'Something went wrong in the app.' } };
      }
    },
  };
}
