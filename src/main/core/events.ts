import { IPC_EVENTS, type IpcEvent, type IpcEventPayload } from '../../shared/ipc.js';
import type { Logger } from './ports.js';

export type EventListener<E extends IpcEvent> = (payload: IpcEventPayload<E>) => void;

/**
 * The core's events, typed by the IPC contract. Each payload is parsed with its schema
 * before anyone sees it, so an event can carry nothing the contract does not declare
 * (a token, say), and a listener that throws cannot break the emitter.
 */
export class CoreEvents {
  private readonly listeners = new Map<IpcEvent, Set<(payload: unknown) => void>>();

  constructor(private readonly logger: Logger) {}

  on<E extends IpcEvent>(event: E, listener: EventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry = listener as (payload: unknown) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void {
    const parsed = IPC_EVENTS[event].safeParse(payload);
    if (!parsed.success) {
      this.logger.error(`Event ${event} does not match its contract; not emitted`, parsed.error.issues);
      return;
    }
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(parsed.data);
      } catch (error) {
        this.logger.error(`A listener of ${event} failed`, error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
