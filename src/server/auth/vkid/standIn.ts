import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A local stand-in for VK ID: panva's oidc-provider (a real OAuth 2.1 server with PKCE)
 * with shims that make it speak VK's dialect (VKID.md §4): `s256` accepted, `device_id`
 * on the redirect and required at the token, refresh and logout calls, the token at
 * `/oauth2/auth` answering `user_id` and `state`, `/oauth2/user_info` answering
 * `{user:{…}}`, `/oauth2/logout` answering `{response:1}`, no `iss` on the redirect. Its
 * sign-in page asks for a phone number and signs in whoever types one (demo and tests only).
 */

export interface StandInAccount {
  id: number;
  firstName: string;
  lastName: string;
  /** Digits as VK gives them (79001234567), or null: a VK account without a phone. */
  phone: string | null;
}

export interface VkIdStandIn {
  /** http://127.0.0.1:PORT, the `SFERUM_VKID_HOST` to use. */
  url: string;
  clientId: string;
  /** Accounts by the login typed on the sign-in page (a phone number as typed, or a name). */
  accounts: Map<string, StandInAccount>;
  /** VK user ids logged out through /oauth2/logout, in order. */
  loggedOut: string[];
  close(): Promise<void>;
}

const DEMO_NAMES: [string, string][] = [
  ['Мария', 'Смирнова'],
  ['Олег', 'Петров'],
  ['Елена', 'Кузнецова'],
];

function page(title: string, body: string): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#eef1f5;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border-radius:12px;padding:32px;max-width:360px;box-shadow:0 2px 12px #0002}
h1{font-size:20px;margin:0 0 8px}p{color:#555;font-size:14px}label{display:block;margin:16px 0 4px;font-size:14px}
input{width:100%;box-sizing:border-box;padding:10px;font-size:16px;border:1px solid #aab;border-radius:8px}
button{margin-top:16px;width:100%;padding:10px;font-size:16px;border-radius:8px;border:0;background:#0077ff;color:#fff;cursor:pointer}
button.secondary{background:#e5e8ed;color:#222}</style></head><body><main>${body}</main></body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(ctx: { status: number; type: string; body: unknown }, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = body;
}

export async function startVkIdStandIn(options: {
  redirectUris: string[];
  clientId?: string;
  accounts?: Record<string, Omit<StandInAccount, 'id'> & { id?: number }>;
  /** Any login not listed signs in as a new VK account with that phone (demo mode). */
  anyPhone?: boolean;
  host?: string;
  port?: number;
}): Promise<VkIdStandIn> {
  const clientId = options.clientId ?? 'sferum-demo';
  const accounts = new Map<string, StandInAccount>();
  let nextId = 100_001;
  for (const [login, a] of Object.entries(options.accounts ?? {})) {
    accounts.set(login, { ...a, id: a.id ?? nextId++ });
  }
  const byId = (id: string) => [...accounts.values()].find((a) => String(a.id) === id) ?? null;
  const loggedOut: string[] = [];
  /** VK's device_id per code, refresh token and access token handed out. */
  const deviceOf = new Map<string, string>();

  const server = http.createServer();
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: options.redirectUris,
      },
    ],
    routes: {
      authorization: '/authorize',
      token: '/oauth2/auth',
      userinfo: '/oauth2/user_info',
      revocation: '/oauth2/revoke',
    },
    scopes: ['openid', 'vkid.personal_info', 'email', 'phone'],
    claims: {
      'vkid.personal_info': ['given_name', 'family_name'],
      email: ['email'],
      phone: ['phone_number'],
    },
    // VK's access token lives an hour (VKID.md); the rest as short as a sign-in needs.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 30 * 86_400,
      Interaction: 600,
      Session: 3600,
      Grant: 30 * 86_400,
    },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // PKCE is required for every client (public ones by default); S256 only.
    pkce: { required: () => true },
    findAccount: async (_ctx, sub) => {
      const account = byId(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          given_name: account.firstName,
          family_name: account.lastName,
          ...(account.phone ? { phone_number: account.phone } : {}),
        }),
      };
    },
  });
  provider.on('server_error', () => {});

  provider.use(async (ctx, next) => {
    const path = ctx.path;
    // VK's SDKs send `s256`; oidc-provider knows only `S256`. VK has no `openid` scope,
    // oidc-provider's userinfo needs one.
    if (path === '/authorize' && ctx.method === 'GET') {
      const q = new URLSearchParams(ctx.querystring);
      if (q.get('code_challenge_method') === 's256') q.set('code_challenge_method', 'S256');
      const scope = (q.get('scope') ?? '').split(' ').filter(Boolean);
      if (!scope.includes('openid')) q.set('scope', ['openid', ...scope].join(' '));
      ctx.querystring = q.toString();
    }

    if (path.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (ctx.method === 'GET') {
        ctx.type = 'html';
        ctx.body = page(
          'VK ID (демо)',
          `<h1>VK ID — демо</h1><p>Локальная замена VK ID для пробы. Войдите номером телефона: пароль не нужен.</p>
<form method="post" action="/interaction/${details.uid}">
<label for="login">Телефон или логин VK</label>
<input id="login" name="login" autocomplete="off" required autofocus>
<button type="submit" name="action" value="login">Войти</button>
<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Отмена</button>
</form>`,
        );
        return;
      }
      const form = await readForm(ctx.req);
      if (form.get('action') === 'cancel') {
        await provider.interactionFinished(
          ctx.req,
          ctx.res,
          { error: 'access_denied', error_description: 'The user cancelled.' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const login = (form.get('login') ?? '').trim();
      let account = accounts.get(login) ?? null;
      if (!account && options.anyPhone && /^\+?\d[\d\s()-]{9,}$/.test(login)) {
        const [firstName, lastName] = DEMO_NAMES[accounts.size % DEMO_NAMES.length]!;
        account = { id: nextId++, firstName, lastName, phone: login.replace(/\D/g, '') };
        accounts.set(login, account);
      }
      if (!account) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = page('VK ID (демо)', `<h1>Нет такого аккаунта</h1><p>${escape(login)}</p>`);
        return;
      }
      const accountId = String(account.id);
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id as string });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await provider.interactionFinished(
        ctx.req,
        ctx.res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (path === '/oauth2/logout' && ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const token = form.get('access_token') ?? '';
      const found = token ? await provider.AccessToken.find(token) : undefined;
      if (!found)
        return json(ctx, 401, { error: 'invalid_token', error_description: 'access token is invalid' });
      if (!form.get('device_id') || deviceOf.get(token) !== form.get('device_id')) {
        return json(ctx, 400, {
          error: 'invalid_request',
          error_description: 'device_id is missing or invalid',
        });
      }
      await found.destroy();
      loggedOut.push(found.accountId);
      return json(ctx, 200, { response: 1 });
    }

    let tokenForm: URLSearchParams | null = null;
    if (path === '/oauth2/auth' && ctx.method === 'POST') {
      // Read the body here (oidc-provider then takes it from req.body) to check VK's device_id.
      tokenForm = await readForm(ctx.req);
      (ctx.req as http.IncomingMessage & { body?: string }).body = tokenForm.toString();
      const device = tokenForm.get('device_id');
      const grantType = tokenForm.get('grant_type');
      const key = grantType === 'refresh_token' ? tokenForm.get('refresh_token') : tokenForm.get('code');
      if (!device || !key || deviceOf.get(key) !== device) {
        return json(ctx, 400, {
          error: 'invalid_request',
          error_description: 'device_id is missing or invalid',
        });
      }
    }
    if (path === '/oauth2/user_info' && ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const token = form.get('access_token') ?? '';
      if (deviceOf.has(token) && form.get('device_id') !== deviceOf.get(token)) {
        return json(ctx, 400, {
          error: 'invalid_request',
          error_description: 'device_id is missing or invalid',
        });
      }
      const rest = new URLSearchParams({ access_token: token });
      (ctx.req as http.IncomingMessage & { body?: string }).body = rest.toString();
    }

    await next();

    // The redirect back: VK adds its device_id and sends no `iss`.
    const location = ctx.response.get('location');
    if (location && options.redirectUris.some((u) => location.startsWith(u))) {
      const back = new URL(location);
      back.searchParams.delete('iss');
      const code = back.searchParams.get('code');
      if (code) {
        const device = crypto.randomBytes(18).toString('base64url');
        deviceOf.set(code, device);
        back.searchParams.set('device_id', device);
      }
      ctx.redirect(back.toString());
    }
    if (tokenForm && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      const body = ctx.body as Record<string, unknown>;
      const device = tokenForm.get('device_id')!;
      if (typeof body.access_token === 'string') deviceOf.set(body.access_token, device);
      if (typeof body.refresh_token === 'string') deviceOf.set(body.refresh_token, device);
      const at =
        typeof body.access_token === 'string' ? await provider.AccessToken.find(body.access_token) : null;
      ctx.body = {
        ...body,
        user_id: at ? Number(at.accountId) : undefined,
        state: tokenForm.get('state') ?? undefined,
      };
    }
    if (path === '/oauth2/user_info' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      const c = ctx.body as Record<string, string | undefined>;
      ctx.body = {
        user: {
          user_id: c.sub,
          first_name: c.given_name ?? '',
          last_name: c.family_name ?? '',
          phone: c.phone_number ?? '',
          avatar: '',
          email: '',
        },
      };
    }
  });

  server.on('request', provider.callback());
  return {
    url,
    clientId,
    accounts,
    loggedOut,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
