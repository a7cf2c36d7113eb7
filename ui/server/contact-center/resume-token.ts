import { createHash, randomBytes } from 'node:crypto';

/**
 * What a customer's browser holds to come back to its conversation (or to answer its call): a
 * random token given once; the store keeps only its hash, so a leaked database resumes nothing.
 */
export const newResumeToken = (): string => randomBytes(24).toString('base64url');

/** The hash the store keeps and looks the token up by. */
export const resumeHash = (token: string): string => createHash('sha256').update(token).digest('hex');
