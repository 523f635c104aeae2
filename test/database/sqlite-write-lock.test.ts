import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../core/database/open-database.js';
import { NoteEntity, Notes } from './fixtures/notes.js';

/** Two subgraphs of one process: each its own ORM on the same SQLite file, as `npm start` runs them. */
describe('SQLite shared by several ORMs of one process', () => {
  let dir: string;
  let first: MikroORM;
  let second: MikroORM;
  const open = (name: string, busyTimeoutMs?: number) =>
    openDatabase({
      url: `sqlite:${join(dir, 'shared.sqlite')}`,
      entities: [NoteEntity],
      migrations: { sqlite: name === 'first' ? [{ name: '0001-notes', class: Notes }] : [], postgresql: [] },
      migrationsTable: `${name}_migrations`,
      busyTimeoutMs,
    });
  const authors = async (orm: MikroORM) => (await orm.em.fork().find(NoteEntity, {}, { orderBy: { id: 'asc' } })).map((note) => note.author);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-write-lock-'));
    first = await open('first');
    await migrate(first);
  });
  afterEach(async () => {
    await first?.close();
    await second?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Opens a transaction on `orm`, writes, then holds the transaction open for `holdMs` while the
   * event loop runs; resolves `written` once the write is in, and the returned promise on commit.
   */
  function holdWriteTransaction(orm: MikroORM, holdMs: number, events: string[]) {
    let written!: () => void;
    const inTransaction = new Promise<void>((resolve) => (written = resolve));
    const committed = orm.em
      .fork()
      .transactional(async (em) => {
        em.create(NoteEntity, { author: 'first' });
        await em.flush();
        written();
        await sleep(holdMs);
      })
      .then(() => void events.push('first committed'));
    return { inTransaction, committed };
  }

  it('lets a writer wait for another ORM’s open transaction without stopping the event loop', async () => {
    second = await open('second');
    const events: string[] = [];
    const held = holdWriteTransaction(first, 300, events);
    await held.inTransaction;

    const write = (async () => {
      const em = second.em.fork();
      em.create(NoteEntity, { author: 'second' });
      await em.flush();
      events.push('second wrote');
    })();
    // Fires only if the process keeps running while the second ORM waits for the lock.
    const ticked = sleep(20).then(() => void events.push('tick'));

    await Promise.all([held.committed, write, ticked]);
    expect(events).toEqual(['tick', 'first committed', 'second wrote']);
    expect(await authors(second)).toEqual(['first', 'second']);
  });

  it('lets readers go on while another ORM holds the write lock', async () => {
    second = await open('second');
    const events: string[] = [];
    const held = holdWriteTransaction(first, 300, events);
    await held.inTransaction;

    // WAL: the reader sees the last committed state and does not wait for the writer.
    expect(await authors(second)).toEqual([]);
    events.push('second read');
    await held.committed;
    expect(events).toEqual(['second read', 'first committed']);
  });

  it('gives up with SQLITE_BUSY once the lock stays taken past the busy timeout, writes nothing, and writes again later', async () => {
    second = await open('second', 200);
    const events: string[] = [];
    const held = holdWriteTransaction(first, 1000, events);
    await held.inTransaction;

    const em = second.em.fork();
    em.create(NoteEntity, { author: 'second' });
    await expect(em.flush()).rejects.toThrow(/database is locked/);
    expect(events).toEqual([]);
    await held.committed;
    expect(await authors(second)).toEqual(['first']);

    // The failed BEGIN gave the connection back: the second ORM writes once the lock is free.
    const retry = second.em.fork();
    retry.create(NoteEntity, { author: 'second, later' });
    await retry.flush();
    expect(await authors(first)).toEqual(['first', 'second, later']);
  });

  it('gives the connection back after a transaction that SQLite rolled back by itself', async () => {
    // RAISE(ROLLBACK) ends the whole transaction, as SQLITE_FULL or an I/O error would.
    await first.em.getConnection().execute("create trigger refuse before insert on notes when new.author = 'refused' begin select raise(rollback, 'refused by trigger'); end");
    const refused = first.em.fork();
    refused.create(NoteEntity, { author: 'refused' });
    await expect(refused.flush()).rejects.toThrow(/refused by trigger/);

    const accepted = first.em.fork();
    accepted.create(NoteEntity, { author: 'accepted' });
    await accepted.flush();
    expect(await authors(first)).toEqual(['accepted']);
  });
});
