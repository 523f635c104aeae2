import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { migrate, openDatabase } from '../../core/database/open-database.js';
import { createPostgresDatabase } from '../support/postgres-database.js';
import { NoteEntity, Notes } from './fixtures/notes.js';

class NoteTitles extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table notes add column title text null');
  }
}

const MIGRATIONS = [
  { name: '0001-notes', class: Notes },
  { name: '0002-note-titles', class: NoteTitles },
];

/** A fresh database of each dialect; `drop` removes it. */
const DATABASES = [
  {
    name: 'SQLite',
    create: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'concurrent-migrations-'));
      return { url: `sqlite:${join(dir, 'shared.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'PostgreSQL', create: () => createPostgresDatabase(inject('postgresUrl')) },
];

/** Role processes of a scaled-out deployment start together, each migrating the tables it opens. */
describe.each(DATABASES)('migrations started at once by several processes, on $name', ({ create }) => {
  const orms: MikroORM[] = [];
  let database: { url: string; drop(): Promise<void> } | undefined;

  afterEach(async () => {
    for (const orm of orms.splice(0)) await orm.close();
    await database?.drop();
  });

  it('apply every migration once, and every process starts', async () => {
    database = await create();
    const open = async () => {
      const orm = await openDatabase({ url: database!.url, entities: [NoteEntity], migrations: { sqlite: MIGRATIONS, postgresql: MIGRATIONS }, migrationsTable: 'notes_migrations' });
      orms.push(orm);
      return orm;
    };
    const started = await Promise.all(Array.from({ length: 4 }, async () => migrate(await open())));
    expect(started.flat().sort()).toEqual(['0001-notes', '0002-note-titles']);
    const executed: { name: string }[] = await orms[0]!.em.getConnection().execute('select name from notes_migrations order by name');
    expect(executed.map((row) => row.name)).toEqual(['0001-notes', '0002-note-titles']);
  });

  it('still fail on a migration that fails by itself', async () => {
    database = await create();
    class Broken extends Migration {
      override async up(): Promise<void> {
        this.addSql('alter table no_such_table add column title text null');
      }
    }
    const orm = await openDatabase({ url: database.url, entities: [NoteEntity], migrations: { sqlite: [{ name: '0001-broken', class: Broken }], postgresql: [{ name: '0001-broken', class: Broken }] }, migrationsTable: 'notes_migrations' });
    orms.push(orm);
    await expect(migrate(orm)).rejects.toThrow(/no_such_table/);
  });
});
