import { randomBytes } from 'node:crypto';
import type { PoolPurpose } from '../pools/pool-entity.js';

const PREFIX: Record<PoolPurpose, string> = { SERVICE: 's', HOST: 'h', TEST: 't' };

/**
 * A new name in `zone`: names are made before anyone knows which site will hold them (see
 * preallocation), so they say only what they are for; people's own names are domain names.
 */
export const newNameIn = (zone: string, purpose: PoolPurpose) => `${PREFIX[purpose]}-${randomBytes(5).toString('hex')}.${zone}`;
