import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';
import { toSite } from '../sites/site-resolver.js';
import { Site } from '../sites/site-types.js';
import type { Vm as VmRow } from './vm-entity.js';
import { Vm } from './vm-types.js';

export const toVm = (vm: VmRow): Vm => ({ ...vm, ref: vm.ref ?? null });

/** A site's VMs, and each VM's way back to its site. */
@Resolver(() => Site)
export class SiteVmsResolver {
  @FieldResolver(() => [Vm], { description: 'Production first, then the test copy when there is one.' })
  async vms(@Root() site: Site, @Ctx() context: HostingContext): Promise<Vm[]> {
    return (await context.vmsOfSite.load(site.id)).map(toVm);
  }

  @FieldResolver(() => Vm, { nullable: true, description: "The production VM, which answers on the site's service name." })
  async vm(@Root() site: Site, @Ctx() context: HostingContext): Promise<Vm | null> {
    const production = (await context.vmsOfSite.load(site.id)).find((vm) => vm.role === 'PRODUCTION');
    return production ? toVm(production) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The hypervisor's reference for the site's production VM, once it exists." })
  async vmRef(@Root() site: Site, @Ctx() context: HostingContext): Promise<string | null> {
    return (await context.vmsOfSite.load(site.id)).find((vm) => vm.role === 'PRODUCTION')?.ref ?? null;
  }
}

@Resolver(() => Vm)
export class VmResolver {
  @FieldResolver(() => Site)
  async site(@Root() vm: Vm, @Ctx() context: HostingContext): Promise<Site> {
    return toSite(await context.sites.get(signedIn(context.principal), vm.siteId), context.flavors);
  }
}
