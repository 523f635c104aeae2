import type { MikroORM } from '@mikro-orm/core';

/** Which metrics a site has, and whose a VM's series are. */
export class SeriesCatalog {
  constructor(private readonly orm: MikroORM) {}

  async namesOfSite(siteId: string): Promise<string[]> {
    const rows = (await this.orm.em.fork().getConnection().execute('select distinct name from metric_series where site_id = ? order by name', [siteId])) as { name: string }[];
    return rows.map((row) => row.name);
  }

  /** The site a VM's series were recorded for; null when it has sent nothing. */
  async siteOfVm(vmId: string): Promise<string | null> {
    const rows = (await this.orm.em.fork().getConnection().execute('select site_id from metric_series where vm_id = ? limit 1', [vmId])) as { site_id: string }[];
    return rows[0]?.site_id ?? null;
  }
}
