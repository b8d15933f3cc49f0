import { INVITE_SCHEME } from '../shared/family/index.js';

/** The `sferum-family:` URL among a process's arguments (Windows and Linux hand it over in argv). */
export function findDeepLink(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(INVITE_SCHEME)) ?? null;
}

/**
 * Deep links can arrive before the core exists (a cold start, macOS `open-url` before
 * `ready`): they wait here and are handed over once a handler is attached. Electron-free,
 * so the order of events is testable without Electron.
 */
export function createDeepLinkQueue() {
  const waiting: string[] = [];
  let handler: ((url: string) => void) | null = null;
  return {
    receive(url: string | null): void {
      if (!url) return;
      if (handler) handler(url);
      else waiting.push(url);
    },
    attach(next: (url: string) => void): void {
      handler = next;
      for (const url of waiting.splice(0)) next(url);
    },
  };
}
