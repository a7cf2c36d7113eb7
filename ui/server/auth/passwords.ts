import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost presets. `standard` is OWASP's N=2^17, r=8, p=1; `test` keeps test suites fast. */
export const PASSWORD_COSTS = {
  standard: { N: 2 ** 17, r: 8, p: 1 },
  test: { N: 2 ** 10, r: 8, p: 1 },
} as const;
export type PasswordCost = keyof typeof PASSWORD_COSTS;

export const MIN_PASSWORD_LENGTH = 10;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // maxmem must cover 128 * N * r bytes; libuv's thread pool runs it off the event loop.
  const maxmem = 256 * (options.N ?? 1) * (options.r ?? 8);
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url), so the cost can rise later. */
export async function hashPassword(password: string, cost: PasswordCost = 'standard'): Promise<string> {
  const { N, r, p } = PASSWORD_COSTS[cost];
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string];
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (![options.N, options.r, options.p].every(Number.isSafeInteger)) return false;
  const expected = Buffer.from(keyText, 'base64url');
  const actual = await scrypt(password, Buffer.from(saltText, 'base64url'), options);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A hash of a random password: verified against when the user does not exist, so timing tells nothing. */
export function decoyHash(cost: PasswordCost): Promise<string> {
  return hashPassword(randomBytes(16).toString('hex'), cost);
}
