import { createHash, randomBytes } from 'node:crypto';

/** Marks the secret as Hostgraph's (secret scanners and the gateway both recognise it). */
export const API_TOKEN_PREFIX = 'hgt_';

/** 256 random bits: a plain SHA-256 is enough to store it, no slow password hash needed. */
export const newTokenSecret = () => `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export const hashTokenSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export const looksLikeApiToken = (token: string) => token.startsWith(API_TOKEN_PREFIX);
