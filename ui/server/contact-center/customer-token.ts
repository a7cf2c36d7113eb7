import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a company's site may tell us about its signed-in customer, signed with the organisation's
 * widget secret so routing can trust it: `base64url(JSON claims) + "." + base64url(HMAC-SHA256)`.
 */
export interface CustomerClaims {
  /** The customer's id in the company's own systems (CRM). */
  sub: string;
  name?: string;
  email?: string;
  segment?: string;
  /** The account manager's username: offered the customer's contacts first. */
  accountManager?: string;
  language?: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function signCustomerToken(secret: string, claims: CustomerClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

export type TokenVerdict = { ok: true; claims: CustomerClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/** Checks the signature (in constant time) and expiry; a token that fails is ignored by the caller and logged. */
export function verifyCustomerToken(secret: string, token: string, nowMs: number): TokenVerdict {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

const optionalString = (value: unknown, max: number) => value === undefined || (typeof value === 'string' && value.length <= max);

function isClaims(value: unknown): value is CustomerClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    c.sub.length > 0 &&
    c.sub.length <= 200 &&
    typeof c.exp === 'number' &&
    optionalString(c.name, 200) &&
    optionalString(c.email, 254) &&
    optionalString(c.segment, 50) &&
    optionalString(c.accountManager, 64) &&
    optionalString(c.language, 5)
  );
}
