import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A site has its production VM from the moment it is asked for, and a test VM while it has a test copy. */
export const VM_ROLES = ['PRODUCTION', 'TEST'] as const;
export type VmRole = (typeof VM_ROLES)[number];

export const VmEntity = defineEntity({
  name: 'Vm',
  tableName: 'vms',
  properties: {
    id: p.uuid().primary(),
    siteId: p.uuid().index(),
    role: p.enum(VM_ROLES),
    /** What the hypervisor calls it: readable for operators, unique even when a site name is reused. */
    name: p.string().length(255).unique(),
    /** The hypervisor's own reference, once the VM exists there. */
    ref: p.string().length(255).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['siteId', 'role'] }],
});

export type Vm = InferEntity<typeof VmEntity>;

/** The name a site's VM has on the hypervisor. */
export const vmNameOf = (site: { id: string; name: string }, role: VmRole) =>
  role === 'PRODUCTION' ? `${site.name}-${site.id.slice(0, 8)}` : `${site.name}-test-${site.id.slice(0, 8)}`;
