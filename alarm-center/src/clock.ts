// Time is a parameter: everything that needs "now" takes a Clock, so tests run on simulated time.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
