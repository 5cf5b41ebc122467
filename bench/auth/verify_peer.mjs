// The peer for ID-token verification: Node.js (OpenSSL underneath) verifying RS256 JWTs
// the way a typical JWT library does: split, base64url-decode, JSON.parse, one cached
// public KeyObject, crypto.verify, claim checks. One thread. Prints "verify_per_s N".
import crypto from 'node:crypto';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const tokens = [];
for (let i = 0; i < 2000; i++) {
  const header = b64url(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({
    iss: 'hearth:hearth', aud: 'hearth', sub: `user-${i}`, iat: now, exp: now + 3600,
    auth_time: now, email: 'someone@example.com', email_verified: true,
    sign_in_provider: 'password',
  }));
  const sig = crypto.sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey);
  tokens.push(`${header}.${payload}.${b64url(sig)}`);
}

function verify(token) {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  if (header.alg !== 'RS256') throw new Error('alg');
  const ok = crypto.verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey,
                           Buffer.from(s, 'base64url'));
  if (!ok) throw new Error('signature');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  if (claims.iss !== 'hearth:hearth' || claims.aud !== 'hearth' || claims.exp <= now) {
    throw new Error('claims');
  }
  return claims;
}

const seconds = Number(process.argv[2] || 3);
let n = 0;
const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < end) {
  for (let i = 0; i < 100; i++) verify(tokens[(n + i) % tokens.length]);
  n += 100;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`verify_per_s ${Math.round(n / elapsed)}`);
