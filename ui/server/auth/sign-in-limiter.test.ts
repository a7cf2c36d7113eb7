import { describe, expect, it } from 'vitest';
import { SignInLimiter } from './sign-in-limiter.ts';

describe('SignInLimiter', () => {
  const limits = { windowMs: 60_000, perAddress: 4, failuresPerUsername: 3 };

  it('locks a username after its failures, from any address, until the window slides past', () => {
    let now = 1_000_000;
    const limiter = new SignInLimiter(limits, () => now);
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
      expect(limiter.retryAfterSeconds(address, 'Eve')).toBe(0);
      limiter.recordAttempt(address);
      limiter.recordFailure('eve');
      now += 10_000;
    }
    // Failures at t=0, 10 s, 20 s; now t=30 s: the first expires at t=60 s.
    expect(limiter.retryAfterSeconds('10.0.0.9', 'EVE')).toBe(30);
    expect(limiter.retryAfterSeconds('10.0.0.9', 'someone-else')).toBe(0);
    now += 30_000;
    expect(limiter.retryAfterSeconds('10.0.0.9', 'eve')).toBe(0);
  });

  it('limits attempts per address whatever the username', () => {
    let now = 0;
    const limiter = new SignInLimiter(limits, () => now);
    for (let i = 0; i < 4; i += 1) {
      limiter.recordAttempt('192.0.2.1');
      now += 1000;
    }
    expect(limiter.retryAfterSeconds('192.0.2.1', 'user-' + now)).toBe(56);
    expect(limiter.retryAfterSeconds('192.0.2.2', 'user-' + now)).toBe(0);
  });

  it('forgives a username once it signs in', () => {
    const limiter = new SignInLimiter(limits, () => 0);
    limiter.recordFailure('amy');
    limiter.recordFailure('amy');
    limiter.recordSuccess('amy');
    limiter.recordFailure('amy');
    limiter.recordFailure('amy');
    expect(limiter.retryAfterSeconds('x', 'amy')).toBe(0);
    limiter.recordFailure('amy');
    expect(limiter.retryAfterSeconds('x', 'amy')).toBe(60);
  });
});
