import type { EntityManager } from '@mikro-orm/core';
import { VhostEntity, VhostNameEntity, type Vhost } from './vhost-entity.js';
import type { VhostNames } from './vhost-name-rules.js';

/**
 * Gives an active vhost these names in the caller's transaction: its row, and its rows in
 * vhost_names, whose unique index keeps two vhosts off one name (the flush throws). Null when the
 * vhost is no longer active.
 */
export async function renameVhost(em: EntityManager, vhostId: string, names: VhostNames): Promise<Vhost | null> {
  const vhost = await em.findOne(VhostEntity, { id: vhostId, state: 'ACTIVE' }, { refresh: true });
  if (!vhost) return null;
  const wanted = [names.serverName, ...names.aliases];
  vhost.serverName = names.serverName;
  vhost.aliases = [...names.aliases];
  await em.nativeDelete(VhostNameEntity, { vhostId, name: { $nin: wanted } });
  const kept = new Set((await em.find(VhostNameEntity, { vhostId })).map((row) => row.name));
  for (const name of wanted) if (!kept.has(name)) em.create(VhostNameEntity, { name, vhostId });
  await em.flush();
  return vhost;
}

/** Off the VM at the next configuration run (its document root stays there); its names are free at once. */
export async function markVhostRemoving(em: EntityManager, vhostId: string): Promise<void> {
  await em.nativeUpdate(VhostEntity, { id: vhostId }, { state: 'REMOVING' });
  await em.nativeDelete(VhostNameEntity, { vhostId });
}
