/** Where the engine reads time. The server passes the wall clock; tests and the simulator a virtual one. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to (scenario tests, the simulator). */
export class VirtualClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  set(time: number): void {
    if (time < this.time) throw new Error(`virtual time cannot go back (${time} < ${this.time})`);
    this.time = time;
  }
}
