import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Security decisions of the Electron shell, kept free of Electron so that a plain
 * Node test can check them: the app's own origin, the Content-Security-Policy, and the
 * mapping from app:// URLs to built files. The window's web preferences are written out
 * at the `new BrowserWindow` call in window.ts, where a review of that call sees them.
 */

/** The renderer is served from this origin only (a privileged custom scheme). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'sferum';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The invite deep-link scheme registered with the operating system. */
export const DEEP_LINK_SCHEME = 'sferum-family';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** IPC is answered only for frames loaded from the app's own origin. */
export function isTrustedFrameUrl(frameUrl: string | null | undefined): boolean {
  if (!frameUrl) return false;
  try {
    const url = new URL(frameUrl);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Navigation away from the app's origin is never allowed. */
export function isAllowedNavigation(targetUrl: string): boolean {
  return isTrustedFrameUrl(targetUrl);
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(path: string): string {
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && MIME[path.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/**
 * Maps an app:// request to a file under the built renderer, or null when the
 * URL is not ours or escapes the folder. Unknown paths fall back to index.html
 * (the renderer routes itself).
 */
export function resolveAppFile(rendererDir: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const root = resolve(rendererDir);
  const target = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return null;
  return target;
}
