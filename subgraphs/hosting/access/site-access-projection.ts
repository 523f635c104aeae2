import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Bus, Unsubscribe } from '../../../core/bus/bus.js';
import type { Logger } from '../../../core/logger.js';
import type { IdentityClient } from '../../identity/client/identity-client.js';
import { SITE_ACCESS_CHANNEL, type SiteAccessChange } from '../../identity/site-access/site-roles.js';
import { SiteAccessCursorEntity } from './site-access-entities.js';

const CURSOR = 'identity';
const PAGE = 500;

/** Writes changes into the copy; the higher seq of a grant wins, so order and repeats do not matter. */
export async function applySiteAccessChanges(em: EntityManager, changes: SiteAccessChange[]): Promise<void> {
  const connection = em.getConnection();
  for (const change of changes) {
    await connection.execute(
      `insert into site_access (site_id, role, grantee_kind, grantee, granted, seq) values (?, ?, ?, ?, ?, ?)
       on conflict (site_id, role, grantee_kind, grantee) do update set granted = excluded.granted, seq = excluded.seq
       where site_access.seq < excluded.seq`,
      [change.siteId, change.role, change.granteeKind, change.grantee, change.granted, change.seq],
      'run',
      em.getTransactionContext(),
    );
  }
}

/**
 * Keeps hosting's copy of the grants: each change identity announces is applied as it arrives; a
 * catch-up then reads identity's change log from the last gap-free point, which also repairs
 * whatever a lost message left out. It runs at start, after each message, and every half minute.
 * Authorization never waits for identity: it reads the copy.
 */
export class SiteAccessProjection {
  private unsubscribe: Unsubscribe | null = null;
  private timer: NodeJS.Timeout | null = null;
  private catchingUp: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly identity: Pick<IdentityClient, 'siteAccessChanges'>,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly intervalMs = 30_000,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(SITE_ACCESS_CHANNEL, (message) => {
      void this.applyAnnounced(message as SiteAccessChange);
    });
    this.timer = setInterval(() => void this.catchUp(), this.intervalMs);
    this.timer.unref();
    // Not awaited: hosting serves from its copy even while identity is still starting.
    void this.catchUp();
  }

  private async applyAnnounced(change: SiteAccessChange) {
    try {
      await applySiteAccessChanges(this.orm.em.fork(), [change]);
    } catch (error) {
      this.logger.warn({ err: error, seq: change.seq }, 'site access change not applied; the catch-up will');
    }
    void this.catchUp();
  }

  /** Reads the change log after the cursor until it is exhausted; concurrent calls share one run. */
  catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.again = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      do {
        this.again = false;
        await this.readLog().catch((error) => this.logger.warn({ err: error }, 'site access catch-up failed; retrying later'));
      } while (this.again);
    })().finally(() => (this.catchingUp = null));
    return this.catchingUp;
  }

  private async readLog() {
    for (;;) {
      const em = this.orm.em.fork();
      const cursor = await em.findOne(SiteAccessCursorEntity, { name: CURSOR });
      const after = cursor?.lastSeq ?? 0;
      const changes = await this.identity.siteAccessChanges(after, PAGE);
      if (changes.length === 0) return;
      const last = changes.at(-1)!.seq;
      await em.transactional(async (tx) => {
        await applySiteAccessChanges(tx, changes);
        // Only forwards: another replica may have gone further meanwhile.
        await tx.nativeUpdate(SiteAccessCursorEntity, { name: CURSOR, lastSeq: { $lt: last } }, { lastSeq: last });
      });
      if (changes.length < PAGE) return;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unsubscribe?.();
    await this.catchingUp;
  }
}
