/**
 * Sign-in rate limiting: a sliding window of attempts per client address, and of failures per
 * username (so guessing one account's password from many addresses is slowed too).
 * In memory, per server process; with several API replicas each keeps its own count.
 */
export interface SignInLimits {
  windowMs: number;
  /** Attempts (any outcome) allowed from one address per window. */
  perAddress: number;
  /** Failed attempts allowed for one username per window. */
  failuresPerUsername: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { windowMs: 15 * 60_000, perAddress: 30, failuresPerUsername: 5 };

const MAX_TRACKED_KEYS = 100_000;

export class SignInLimiter {
  private readonly attempts = new Map<string, number[]>();
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address and username may try again, or 0 if they may now. */
  retryAfterSeconds(address: string, username: string): number {
    const now = this.now();
    const waits = [
      this.waitFor(this.attempts, address, this.limits.perAddress, now),
      this.waitFor(this.failures, username.toLowerCase(), this.limits.failuresPerUsername, now),
    ];
    return Math.ceil(Math.max(...waits) / 1000);
  }

  recordAttempt(address: string): void {
    this.push(this.attempts, address);
  }

  recordFailure(username: string): void {
    this.push(this.failures, username.toLowerCase());
  }

  /** A successful sign-in forgives the username's earlier failures. */
  recordSuccess(username: string): void {
    this.failures.delete(username.toLowerCase());
  }

  private waitFor(map: Map<string, number[]>, key: string, limit: number, now: number): number {
    const times = this.prune(map, key, now);
    if (times.length < limit) return 0;
    return times[times.length - limit]! + this.limits.windowMs - now;
  }

  private prune(map: Map<string, number[]>, key: string, now: number): number[] {
    const times = (map.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
    if (times.length === 0) map.delete(key);
    else map.set(key, times);
    return times;
  }

  private push(map: Map<string, number[]>, key: string): void {
    const now = this.now();
    const times = this.prune(map, key, now);
    times.push(now);
    map.set(key, times);
    if (map.size > MAX_TRACKED_KEYS) {
      // Forget the oldest key rather than grow without bound under a spray of addresses.
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
