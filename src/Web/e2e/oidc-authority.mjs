// A tiny OpenID Connect authority for the browser tests (node's crypto, no library): discovery,
// /authorize that approves at once (code flow with PKCE), /token that trades the code for an
// id_token and an access_token signed RS256, /jwks with the public key. The host validates the
// access token exactly as it would a real authority's: discovery, then the key from /jwks.
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/**
 * Starts the authority on 127.0.0.1:port. Every sign-in is approved as `claims` (sub, tenant, role, ...);
 * the access token's audience is `audience` (the host's Auth:Audience).
 */
export async function startAuthority({ port, clientId, audience, claims }) {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const codes = new Map(); // code -> { clientId, redirectUri, challenge, nonce }
  const issued = []; // what /token handed out, for the test to check

  const jwt = (payload) => {
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const body = b64url(JSON.stringify(payload));
    return `${head}.${body}.${b64url(sign('sha256', Buffer.from(`${head}.${body}`), privateKey))}`;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*', 'Cache-Control': 'no-store', ...headers });
      res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    };
    const json = { 'Content-Type': 'application/json' };
    if (req.method === 'OPTIONS') return send(204);

    if (url.pathname === '/.well-known/openid-configuration')
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: ['authorization_code'],
        scopes_supported: ['openid', 'profile'],
      }, json);

    if (url.pathname === '/jwks')
      return send(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] }, json);

    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri');
      if (q.get('client_id') !== clientId || !redirectUri || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
        return send(400, 'invalid authorization request');
      const code = b64url(randomBytes(24));
      codes.set(code, { clientId, redirectUri, challenge: q.get('code_challenge'), nonce: q.get('nonce') ?? undefined });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      if (q.get('state')) back.searchParams.set('state', q.get('state'));
      return send(302, undefined, { Location: back.toString() });
    }

    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code')); // one use
      const verifier = form.get('code_verifier') ?? '';
      if (form.get('grant_type') !== 'authorization_code' || !grant || form.get('client_id') !== grant.clientId ||
          form.get('redirect_uri') !== grant.redirectUri || b64url(createHash('sha256').update(verifier).digest()) !== grant.challenge)
        return send(400, { error: 'invalid_grant' }, json);
      const now = Math.floor(Date.now() / 1000);
      const times = { iat: now, nbf: now, exp: now + 3600 };
      const tokens = {
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile',
        access_token: jwt({ iss: issuer, aud: audience, ...times, ...claims }),
        id_token: jwt({ iss: issuer, aud: clientId, ...times, nonce: grant.nonce, sub: claims.sub, name: claims.name }),
      };
      issued.push(tokens);
      return send(200, tokens, json);
    }
    send(404, 'not found');
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { issuer, issued, close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }) };
}
