import { describe, expect, it } from 'vitest';
import { createUuidV7Generator, uuidv7Time } from './uuidv7.ts';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('has the version and variant bits and carries its millisecond', () => {
    const at = Date.UTC(2026, 11, 3, 9, 30);
    const id = createUuidV7Generator(() => at)();
    expect(id).toMatch(FORMAT);
    expect(uuidv7Time(id)).toBe(at);
  });

  it('sorts in creation order within one millisecond, past the counter, and when the clock steps back', () => {
    let now = 1_800_000_000_000;
    const next = createUuidV7Generator(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i += 1) ids.push(next()); // more than 4096 in one ms
    now -= 5000; // clock stepped back
    for (let i = 0; i < 10; i += 1) ids.push(next());
    now += 10_000;
    ids.push(next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => FORMAT.test(id))).toBe(true);
    expect(uuidv7Time(ids.at(-1)!)).toBe(now);
  });
});
