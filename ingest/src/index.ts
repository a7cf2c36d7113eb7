export { createUuidV7Generator, uuidv7, uuidv7Time } from './ids/uuidv7.ts';
export { CHANNELS } from './catalogue/acd-events.ts';
export type * from './catalogue/acd-events.ts';
