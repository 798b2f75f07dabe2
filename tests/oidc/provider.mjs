// A real OpenID provider for the tests: panva's certified `oidc-provider`, configured from a
// JSON file (argv[2]) the test writes: { "port", "clients": [...], "accounts": { sub: claims } }.
// Its only own code is the sign-in page: a form naming the account, which consents to what
// the client asked at once (a province's provider would ask for a password or a face here).
// It prints "ready <issuer>" once it listens, and stops on SIGTERM.
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  cookies: { keys: ['test-only-cookie-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    phone: ['phone_number', 'phone_number_verified'],
    idcard: ['id_number', 'id_number_verified'],
  },
  conformIdTokenClaims: false, // the claims go into the ID token (as many providers do)
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.type = 'html';
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>退出</title></head>
          <body>${form}<button id="op-logout" type="submit" form="op.logoutForm" value="yes"
          name="logout">确认退出统一身份认证</button></body></html>`;
      },
    },
  },
  ttl: { AuthorizationCode: 60, IdToken: 600, AccessToken: 600, Session: 3600, Grant: 3600,
         Interaction: 600 },
  findAccount: async (ctx, sub) => {
    const claims = config.accounts[sub];
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><body><pre>${JSON.stringify(out)}</pre></body></html>`;
  },
});
provider.proxy = false;

const page = (uid, details) => `<!DOCTYPE html><html><head><meta charset="utf-8">
  <title>统一身份认证</title></head><body><h1>统一身份认证（测试）</h1>
  <p>${details.params.client_id}</p>
  <form method="post" action="/interaction/${uid}">
    <label>账号 <input name="login" autofocus></label>
    <button id="op-login" type="submit">登录</button>
  </form></body></html>`;

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

async function signIn(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  const { login } = await readForm(req);
  if (!config.accounts[login]) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(uid, details).replace('<form', '<p>no such account</p><form'));
    return;
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: login },
    consent: { grantId } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = (await import('node:http')).createServer(async (req, res) => {
  const match = /^\/interaction\/([^/?]+)/.exec(req.url);
  if (!match) return callback(req, res);
  try {
    if (req.method === 'POST') return await signIn(req, res, match[1]);
    const details = await provider.interactionDetails(req, res);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(match[1], details));
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(err));
  }
});
server.listen(config.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
