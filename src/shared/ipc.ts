import { z } from 'zod';
import { ServerInfoSchema } from './api.js';
import { PersonNameSchema, ProfileSchema, SessionInfoSchema } from './domain.js';
import { ACCOUNTS_IPC, VKID_IPC } from './auth/ipc.js';
import { CHATS_IPC, CHATS_IPC_EVENTS } from './chats/ipc.js';
import { DOCUMENT_IPC, DOCUMENT_IPC_EVENTS } from './documents/ipc.js';
import { ErrorCodeSchema } from './errors.js';
import { FAMILY_IPC, FAMILY_IPC_EVENTS } from './family/ipc.js';
import { SupportTextSchema, SupportTicketSchema } from './support/index.js';
import { SyncStatusSchema } from './sync/index.js';

/**
 * The IPC bridge between the renderer and the main process, defined once.
 * The main process validates every input with these schemas (and checks the
 * sender frame); the preload exposes one named function per channel; the
 * renderer's desktop adapter calls them. Results travel as
 * `{ ok: true, value } | { ok: false, error: { code, message } }` so that error
 * codes survive the boundary.
 */

export const LanguageSchema = z.enum(['ru', 'en']);
export type Language = z.infer<typeof LanguageSchema>;
export const ThemeSchema = z.enum(['light', 'dark', 'system']);
export type Theme = z.infer<typeof ThemeSchema>;

export const SettingsSchema = z.object({
  /** null: the embedded server started by the app itself. */
  serverUrl: z.string().nullable(),
  language: LanguageSchema,
  theme: ThemeSchema,
  notifications: z.boolean(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const LocalAccountSchema = z.object({
  id: z.string(),
  /** Display name once signed in ("Иванова Мария"), null before. */
  label: z.string().nullable(),
  signedIn: z.boolean(),
});
export type LocalAccount = z.infer<typeof LocalAccountSchema>;

export const AppStateSchema = z.object({
  /** The desktop app (may change its server) or the web version (served by its server). */
  target: z.enum(['desktop', 'web']),
  settings: SettingsSchema,
  /** The address the app talks to (the embedded server's loopback address when serverUrl is null). */
  effectiveServerUrl: z.string(),
  server: ServerInfoSchema.nullable(),
  accounts: z.array(LocalAccountSchema),
  activeAccountId: z.string().nullable(),
  /** A warning the UI must show, e.g. secrets stored without OS encryption. */
  warnings: z.array(z.object({ code: ErrorCodeSchema, message: z.string() })),
});
export type AppState = z.infer<typeof AppStateSchema>;

const Void = z.null();

export const RequestCodeInputSchema = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('phone'), phone: z.string().min(1).max(40) }),
  z.object({ channel: z.literal('email'), email: z.string().min(1).max(254) }),
]);
export const RequestCodeOutputSchema = z.object({
  requestId: z.string(),
  expiresAt: z.string(),
  resendAfter: z.number(),
  devCode: z.string().optional(),
});
export const VerifyCodeOutputSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed_in'), profile: ProfileSchema }),
  z.object({ status: z.literal('registration_required') }),
]);

/** channel → input and output schemas. Names are `area.verb`. */
export const IPC = {
  'app.getState': { input: Void, output: AppStateSchema },
  'settings.update': { input: SettingsSchema.partial(), output: SettingsSchema },
  /** The screen the window shows, so no notification is raised about it while the window has focus. */
  'app.setScreen': { input: z.object({ screen: z.string().max(40) }), output: Void },
  /** "Check connection": asks a server address who it is, without saving it (null: the embedded server). */
  'settings.checkServer': {
    input: z.object({ url: z.string().max(2048).nullable() }),
    output: ServerInfoSchema,
  },
  'auth.requestCode': { input: RequestCodeInputSchema, output: RequestCodeOutputSchema },
  'auth.verifyCode': {
    input: z.object({ requestId: z.string().min(1).max(100), code: z.string().max(20) }),
    output: VerifyCodeOutputSchema,
  },
  'auth.register': { input: PersonNameSchema, output: ProfileSchema },
  'auth.signOut': { input: Void, output: Void },
  'auth.listSessions': { input: Void, output: z.array(SessionInfoSchema) },
  'auth.revokeSession': { input: z.object({ id: z.string().min(1).max(100) }), output: Void },
  'profile.get': { input: Void, output: ProfileSchema.nullable() },
  'profile.update': { input: PersonNameSchema, output: ProfileSchema },
  'sync.getStatus': { input: Void, output: SyncStatusSchema },
  'sync.now': { input: Void, output: SyncStatusSchema },
  /** A request to support from «Помощь»; diagnostics (version, system, log tail) only with consent. */
  'support.send': {
    input: z.object({ text: SupportTextSchema, includeDiagnostics: z.boolean() }),
    output: SupportTicketSchema,
  },
  'shell.openExternal': { input: z.object({ url: z.string().max(2048) }), output: Void },
  ...ACCOUNTS_IPC,
  ...VKID_IPC,
  ...DOCUMENT_IPC,
  ...FAMILY_IPC,
  ...CHATS_IPC,
} as const;

export type IpcChannel = keyof typeof IPC;
export type IpcInput<C extends IpcChannel> = z.input<(typeof IPC)[C]['input']>;
export type IpcOutput<C extends IpcChannel> = z.output<(typeof IPC)[C]['output']>;
export const IPC_CHANNELS = Object.keys(IPC) as IpcChannel[];

/** Events pushed from the main process to the renderer (no Electron event object). */
export const IPC_EVENTS = {
  'sync.status': SyncStatusSchema,
  /** Records of these kinds changed in the local cache: re-read them. */
  'cache.changed': z.object({ entities: z.array(z.string()) }),
  /** The session ended (revoked elsewhere, refresh failed): show the sign-in screen with the reason. */
  'auth.signedOut': z.object({ code: ErrorCodeSchema, message: z.string() }),
  /** The server refused a queued change; the cache was rolled back. */
  'mutation.rejected': z.object({ type: z.string(), code: ErrorCodeSchema, message: z.string() }),
  'app.state': AppStateSchema,
  ...DOCUMENT_IPC_EVENTS,
  ...FAMILY_IPC_EVENTS,
  ...CHATS_IPC_EVENTS,
} as const;
export type IpcEvent = keyof typeof IPC_EVENTS;
export type IpcEventPayload<E extends IpcEvent> = z.output<(typeof IPC_EVENTS)[E]>;
export const IPC_EVENT_NAMES = Object.keys(IPC_EVENTS) as IpcEvent[];

export const IpcResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: ErrorCodeSchema, message: z.string() }) }),
]);
export type IpcResult = z.infer<typeof IpcResultSchema>;

/** Function name on the bridge for a channel: 'auth.requestCode' → 'authRequestCode'. */
export function bridgeName(channel: string): string {
  return channel.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
}

type CamelChannel<S extends string> = S extends `${infer A}.${infer B}`
  ? `${A}${Capitalize<CamelChannel<B>>}`
  : S;

/** The bridge object the preload exposes as `window.sferum`. */
export type Bridge = {
  [C in IpcChannel as CamelChannel<C>]: (
    ...args: IpcInput<C> extends null ? [] : [input: IpcInput<C>]
  ) => Promise<IpcOutput<C>>;
} & {
  on<E extends IpcEvent>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
};

/**
 * Builds the bridge from two transport functions. The preload passes ipcRenderer
 * wrappers; the end-to-end test bridge passes functions exposed by the test page.
 * Errors come back as AppError-shaped objects with a code.
 */
export function createBridge(transport: {
  invoke: (channel: IpcChannel, input: unknown) => Promise<IpcResult>;
  subscribe: (event: IpcEvent, listener: (payload: unknown) => void) => () => void;
}): Bridge {
  const bridge: Record<string, unknown> = {};
  for (const channel of IPC_CHANNELS) {
    bridge[bridgeName(channel)] = async (input?: unknown) => {
      const result = await transport.invoke(channel, input ?? null);
      if (result.ok) return result.value;
      const error = new Error(result.error.message) as Error & { code: string };
      error.code = result.error.code;
      throw error;
    };
  }
  bridge.on = (event: IpcEvent, listener: (payload: unknown) => void) => {
    if (!IPC_EVENT_NAMES.includes(event)) throw new Error(`Unknown event ${String(event)}`);
    return transport.subscribe(event, listener);
  };
  return bridge as Bridge;
}
