import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { IpregContext } from '../ipreg-context.js';
import { DomainName, HostPublicKey, Name, Site, Vm } from '../ipreg-types.js';
import { toDomainNameView, toNameView } from '../ipreg-views.js';
import type { NameRow } from '../names/name-entity.js';

/** Reached through a site or VM hosting has already let the caller see. */

async function addressesOf(context: IpregContext, name: NameRow | undefined): Promise<string[]> {
  return name ? (await context.network.addressesOf([name.id])).map((row) => row.address) : [];
}

const serviceNameOf = async (context: IpregContext, siteId: string) => (await context.network.serviceNameOf(siteId)) ?? undefined;

@Resolver(() => Site)
export class SiteNetworkResolver {
  @FieldResolver(() => String, { nullable: true, description: 'What its domain names point at; moves with the service when a test copy is promoted.' })
  async serviceName(@Root() site: Site, @Ctx() context: IpregContext): Promise<string | null> {
    signedIn(context.principal);
    return (await serviceNameOf(context, site.id))?.fqdn ?? null;
  }

  @FieldResolver(() => [String], { description: 'The addresses of its service name.' })
  async serviceAddresses(@Root() site: Site, @Ctx() context: IpregContext): Promise<string[]> {
    signedIn(context.principal);
    return addressesOf(context, await serviceNameOf(context, site.id));
  }

  @FieldResolver(() => [Name], { description: 'Every name it holds: service names and its VMs’ host names.' })
  async names(@Root() site: Site, @Ctx() context: IpregContext): Promise<Name[]> {
    signedIn(context.principal);
    return (await context.network.namesOfSites([site.id])).map(toNameView);
  }

  @FieldResolver(() => [DomainName], { description: 'Domain names asked for it, in every state.' })
  async domainNames(@Root() site: Site, @Ctx() context: IpregContext): Promise<DomainName[]> {
    signedIn(context.principal);
    return (await context.domainNames.ofSites([site.id])).map(toDomainNameView);
  }
}

const hostNameOf = async (context: IpregContext, vmId: string) => (await context.network.namesOfVms([vmId])).find((name) => name.kind === 'HOST');

@Resolver(() => Vm)
export class VmNetworkResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Its own name, which stays with it.' })
  async hostName(@Root() vm: Vm, @Ctx() context: IpregContext): Promise<string | null> {
    signedIn(context.principal);
    return (await hostNameOf(context, vm.id))?.fqdn ?? null;
  }

  @FieldResolver(() => [String], { description: 'The addresses of its host name.' })
  async addresses(@Root() vm: Vm, @Ctx() context: IpregContext): Promise<string[]> {
    signedIn(context.principal);
    return addressesOf(context, await hostNameOf(context, vm.id));
  }

  @FieldResolver(() => [HostPublicKey], { description: 'Its SSH host keys, generated before it existed and vouched for by SSHFP records.' })
  async hostKeys(@Root() vm: Vm, @Ctx() context: IpregContext): Promise<HostPublicKey[]> {
    signedIn(context.principal);
    const name = await hostNameOf(context, vm.id);
    return name ? (await context.network.hostKeysOf([name.id])).map(({ algorithm, publicKey }) => ({ algorithm, publicKey })) : [];
  }
}
