import { raw, type EntityManager } from '@mikro-orm/core';
import type { Bus } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import { CounterEntity, SiteAccessChangeEntity } from './site-access-entities.js';
import { SITE_ACCESS_CHANNEL, type SiteAccessChange } from './site-roles.js';

export const ACCESS_CHANGE_COUNTER = 'site-access-changes';

/**
 * Numbers grant changes in commit order and announces them. The counter row is updated first in
 * the writer's transaction: its lock makes a second writer wait until the first commits, so no
 * reader ever sees seq N+1 before N.
 */
export class AccessChangeLog {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  /** Records changes inside the caller's transaction; publish the result once it commits. */
  async append(em: EntityManager, changes: Omit<SiteAccessChange, 'seq'>[]): Promise<SiteAccessChange[]> {
    if (changes.length === 0) return [];
    // The migration creates the counter's row, so this is always an update (and a lock).
    await em.nativeUpdate(CounterEntity, { name: ACCESS_CHANGE_COUNTER }, { value: raw(`value + ${changes.length}`) });
    const counter = await em.findOneOrFail(CounterEntity, { name: ACCESS_CHANGE_COUNTER }, { refresh: true });
    const first = counter.value - changes.length + 1;
    const numbered = changes.map((change, i) => ({ ...change, seq: first + i }));
    const at = new Date();
    await em.insertMany(SiteAccessChangeEntity, numbered.map((change) => ({ ...change, at })));
    return numbered;
  }

  /** Best effort: whoever keeps a projection reads `after` to fill what it missed. */
  async publish(changes: SiteAccessChange[]): Promise<void> {
    for (const change of changes) {
      await this.bus.publish(SITE_ACCESS_CHANNEL, change).catch((error) => this.logger.warn({ err: error, seq: change.seq }, 'site access change stored but not published'));
    }
  }

  async after(em: EntityManager, after: number, limit: number): Promise<SiteAccessChange[]> {
    const rows = await em.find(SiteAccessChangeEntity, { seq: { $gt: after } }, { orderBy: { seq: 'asc' }, limit });
    return rows.map(({ seq, siteId, role, granteeKind, grantee, granted }) => ({ seq, siteId, role, granteeKind, grantee, granted }));
  }
}
