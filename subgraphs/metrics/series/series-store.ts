import type { MikroORM } from '@mikro-orm/core';

export interface SeriesKey {
  siteId: string;
  vmId: string;
  name: string;
}

const keyOf = (vmId: string, name: string) => `${vmId}\u0000${name}`;

/** Series ids by VM and name, created on first sight and remembered: a point costs no lookup after that. */
export class SeriesStore {
  private readonly ids = new Map<string, number>();

  constructor(private readonly orm: MikroORM) {}

  async idsOf(keys: SeriesKey[]): Promise<Map<string, number>> {
    const missing = new Map<string, SeriesKey>();
    for (const key of keys) {
      const id = keyOf(key.vmId, key.name);
      if (!this.ids.has(id)) missing.set(id, key);
    }
    const connection = this.orm.em.getConnection();
    const rows = [...missing.values()];
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const values = chunk.map(() => '(?, ?, ?, current_timestamp)').join(', ');
      await connection.execute(
        `insert into metric_series (site_id, vm_id, name, created_at) values ${values} on conflict (vm_id, name) do nothing`,
        chunk.flatMap((key) => [key.siteId, key.vmId, key.name]),
      );
      const found = (await connection.execute(
        `select id, vm_id, name from metric_series where ${chunk.map(() => '(vm_id = ? and name = ?)').join(' or ')}`,
        chunk.flatMap((key) => [key.vmId, key.name]),
      )) as { id: number; vm_id: string; name: string }[];
      for (const row of found) this.ids.set(keyOf(row.vm_id, row.name), Number(row.id));
    }
    return new Map(keys.map((key) => [keyOf(key.vmId, key.name), this.ids.get(keyOf(key.vmId, key.name))!]));
  }

  static keyOf = keyOf;
}
