export { createUuidV7Generator, uuidv7, uuidv7Time } from './ids/uuidv7.ts';
