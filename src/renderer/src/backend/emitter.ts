import type { IpcEvent, IpcEventPayload } from '../../../shared/ipc.js';

export interface Emitter {
  on<E extends IpcEvent>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
  emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void;
}

/** The bridge's `on` for adapters that produce their own events (the web version, test fakes). */
export function createEmitter(): Emitter {
  const listeners = new Map<IpcEvent, Set<(payload: unknown) => void>>();
  return {
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) listener(payload);
    },
  };
}
