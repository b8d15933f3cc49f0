import { startVkIdStandIn, type VkIdStandIn } from '../../src/server/auth/vkid/standIn.js';
import { VKID_CALLBACK_PATH } from '../../src/shared/auth/vkid.js';
import type { TestServer } from './server.js';

export type { VkIdStandIn };

/**
 * The VK ID stand-in (oidc-provider with VK's dialect) for a test server: its redirect is
 * the server's callback page, and the server is configured to use it.
 */
export async function attachVkIdStandIn(
  ts: TestServer,
  accounts: Parameters<typeof startVkIdStandIn>[0]['accounts'],
): Promise<VkIdStandIn> {
  const standIn = await startVkIdStandIn({ redirectUris: [`${ts.url}${VKID_CALLBACK_PATH}`], accounts });
  ts.server.context.config.vkid = {
    host: standIn.url,
    clientId: standIn.clientId,
    redirectUri: null,
    scope: 'vkid.personal_info phone',
  };
  return standIn;
}

/**
 * A person at the stand-in's page, driven over HTTP with its cookies: opens the authorize
 * address, types `login` (or presses «Отмена»), and follows the redirects up to the
 * address VK sends the browser back to, which it returns (not opened).
 */
export async function signInAtStandIn(authorizeUrl: string, login: string | 'cancel'): Promise<URL> {
  const jar = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return response;
  };
  let response = await send(authorizeUrl);
  let location = response.headers.get('location');
  for (let hops = 0; location && hops < 10; hops++) {
    const next = new URL(location, authorizeUrl);
    if (next.pathname === VKID_CALLBACK_PATH) return next;
    if (next.pathname.startsWith('/interaction/')) {
      await (await send(next.toString())).text();
      const form: Record<string, string> =
        login === 'cancel' ? { action: 'cancel' } : { action: 'login', login };
      response = await send(next.toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    } else {
      response = await send(next.toString());
    }
    location = response.headers.get('location');
  }
  throw new Error(`The stand-in did not send the browser back: ${response.status} ${await response.text()}`);
}
