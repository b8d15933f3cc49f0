import type { ServerInfo } from '../../../shared/api.js';
import type { ApiClient } from '../../../shared/apiClient.js';
import type { Bridge } from '../../../shared/ipc.js';

/**
 * The web version's message to support over HTTP; its diagnostics, if the parent agrees,
 * are the server's version and the browser's user agent (a page keeps no log).
 */
export function createWebSupport(deps: {
  api: ApiClient;
  serverInfo: () => Promise<ServerInfo | null>;
}): Pick<Bridge, 'supportSend'> {
  return {
    async supportSend(input) {
      const server = await deps.serverInfo();
      const diagnostics = input.includeDiagnostics
        ? {
            appVersion: `web ${server?.version ?? ''}`.trim(),
            os: navigator.userAgent.slice(0, 300),
            logTail: '',
          }
        : null;
      return deps.api.call('support', { body: { text: input.text, diagnostics } });
    },
  };
}
