import { app, net, protocol, session } from 'electron';
import { pathToFileURL } from 'node:url';
import {
  APP_HOST,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  mimeType,
  resolveAppFile,
} from './security.js';

/** Must run before the app is ready: app:// behaves like a secure, standard origin. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the built renderer over app://sferum/, with the CSP on every answer. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(rendererDir, request.url);
    if (!file || new URL(request.url).host !== APP_HOST) return new Response('Not found', { status: 404 });
    let response = await net.fetch(pathToFileURL(file).toString()).catch(() => null);
    if (!response || !response.ok) {
      // Unknown paths are the renderer's own routes.
      response = await net.fetch(
        pathToFileURL(resolveAppFile(rendererDir, `${APP_SCHEME}://${APP_HOST}/`)!).toString(),
      );
    }
    const headers = new Headers({
      'content-type': mimeType(response.url || file),
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
    return new Response(response.body, { status: 200, headers });
  });
}

/**
 * The Electron security checklist, applied to every web contents the app ever
 * creates: no navigation away, no new windows, no <webview>, no permissions.
 * Links the user clicks open in the system browser only through the vetted path.
 */
export function hardenWebContents(openExternal: (url: string) => Promise<void>): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      void openExternal(url).catch(() => undefined);
      return { action: 'deny' };
    });
  });
}
