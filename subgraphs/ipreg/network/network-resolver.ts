import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requirePlatformAdmin, requireService, signedIn } from '../../../core/principal.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { IpregContext } from '../ipreg-context.js';
import { Address, DnsRecordView, HostPublicKey, Name, PoolPurposeEnum, SealedHostKey } from '../ipreg-types.js';
import { toAddressView, toNameView, toRecordView } from '../ipreg-views.js';
import type { PoolPurpose } from '../pools/pool-entity.js';

/** Who may see a name: platform admins, Hostgraph itself, and whoever may see the site holding it. */
async function assertMaySee(context: IpregContext, name: Name): Promise<void> {
  const principal = signedIn(context.principal);
  if (principal.admin) return;
  if (!name.site) requirePlatformAdmin(principal, 'see names not yet given to a site');
  else await context.sitePermission.assert(name.site.id, 'see', 'name');
}

@Resolver(() => Name)
export class NetworkResolver {
  @Mutation(() => Name, {
    description:
      'Gives the site a name with one IPv4 and one IPv6 address as the purpose’s pools allow, in one transaction; asking again returns the same name. POOL_EXHAUSTED when a pool is full (site admins; HOST names and vmId for Hostgraph itself).',
  })
  async allocateNetwork(
    @Arg('siteId', () => ID) siteId: string,
    @Arg('purpose', () => PoolPurposeEnum) purpose: PoolPurpose,
    @Ctx() context: IpregContext,
    @Arg('vmId', () => ID, { nullable: true, description: 'The VM a HOST name is for, or that serves a service name.' }) vmId?: string | null,
  ): Promise<Name> {
    await context.sitePermission.assert(siteId, 'manage');
    // VMs are hosting's to name: a person naming a VM id could take the name another site's VM will ask for.
    if (vmId || purpose === 'HOST') requireService(context.principal);
    return toNameView(await context.network.allocate({ siteId, purpose, vmId }));
  }

  @Mutation(() => Int, { description: "Internal: the site's names go and their addresses are quarantined; the number of names released." })
  async releaseNetwork(@Arg('siteId', () => ID) siteId: string, @Ctx() context: IpregContext): Promise<number> {
    requireService(context.principal);
    return context.network.release(siteId);
  }

  @Mutation(() => [Name], { description: "Internal: swaps the service names (and addresses) of a site's two VMs, as when a test copy becomes production; host names stay." })
  async swapServiceNames(@Arg('firstVmId', () => ID) firstVmId: string, @Arg('secondVmId', () => ID) secondVmId: string, @Ctx() context: IpregContext): Promise<Name[]> {
    requireService(context.principal);
    return (await context.network.switchServices(firstVmId, secondVmId)).map(toNameView);
  }

  @Mutation(() => [Name], {
    description: "Internal: the site's SERVICE name (and its addresses) to productionVmId, its TEST name to testVmId, swapping them if need be; asking again changes nothing.",
  })
  async assignServiceNames(
    @Arg('siteId', () => ID) siteId: string,
    @Arg('productionVmId', () => ID) productionVmId: string,
    @Arg('testVmId', () => ID) testVmId: string,
    @Ctx() context: IpregContext,
  ): Promise<Name[]> {
    requireService(context.principal);
    return (await context.network.assignServiceNames(siteId, productionVmId, testVmId)).map(toNameView);
  }

  @Mutation(() => Int, { description: "Internal: one VM's names (a test copy's) go and their addresses are quarantined; the number of names released." })
  async releaseVmNetwork(@Arg('vmId', () => ID) vmId: string, @Ctx() context: IpregContext): Promise<number> {
    requireService(context.principal);
    return context.network.releaseVm(vmId);
  }

  @Query(() => [DnsRecordView], { description: "Internal: the records of one VM's names (its host name, and the service name it serves), to withdraw them with the VM." })
  async vmRecords(@Arg('vmId', () => ID) vmId: string, @Ctx() context: IpregContext): Promise<DnsRecordView[]> {
    requireService(context.principal);
    return (await context.network.recordsOf(await context.network.namesOfVms([validateId(vmId, 'vmId')]))).map(toRecordView);
  }

  @Query(() => Name, { nullable: true, description: 'A name by its fully qualified form, if you may see its site.' })
  async name(@Arg('fqdn', () => String) fqdn: string, @Ctx() context: IpregContext): Promise<Name | null> {
    signedIn(context.principal);
    const row = await context.network.nameByFqdn(fqdn);
    if (!row) return null;
    const view = toNameView(row);
    await assertMaySee(context, view);
    return view;
  }

  @Query(() => [Name], { description: 'Preallocated names waiting for a site (platform admins).' })
  async readyNames(@Ctx() context: IpregContext, @Arg('purpose', () => PoolPurposeEnum, { nullable: true }) purpose?: PoolPurpose | null): Promise<Name[]> {
    requirePlatformAdmin(context.principal, 'list preallocated names');
    return (await context.network.readyNames(purpose ?? undefined)).map(toNameView);
  }

  @Query(() => [DnsRecordView], { description: "Internal: every record the site's names and domain names should have, for publication." })
  async siteRecords(@Arg('siteId', () => ID) siteId: string, @Ctx() context: IpregContext): Promise<DnsRecordView[]> {
    requireService(context.principal);
    return (await context.domainNames.recordsOfSite(siteId)).map(toRecordView);
  }

  @Query(() => [SealedHostKey], { description: "Internal: a VM's host keys, private halves sealed, for the provisioner to install." })
  async vmHostKeys(@Arg('vmId', () => ID) vmId: string, @Ctx() context: IpregContext): Promise<SealedHostKey[]> {
    requireService(context.principal);
    const names = (await context.network.namesOfVms([vmId])).filter((name) => name.kind === 'HOST');
    return context.network.hostKeysOf(names.map((name) => name.id));
  }

  @FieldResolver(() => [Address])
  async addresses(@Root() name: Name, @Ctx() context: IpregContext): Promise<Address[]> {
    await assertMaySee(context, name);
    return (await context.network.addressesOf([name.id])).map(toAddressView);
  }

  @FieldResolver(() => [DnsRecordView], { description: 'What it has in DNS: A, AAAA, SSHFP, and PTR in the managed reverse zones.' })
  async records(@Root() name: Name, @Ctx() context: IpregContext): Promise<DnsRecordView[]> {
    await assertMaySee(context, name);
    return (await context.network.recordsOf([name])).map(toRecordView);
  }

  @FieldResolver(() => [HostPublicKey], { description: 'HOST names: the SSH host keys their VM will have, for checking it.' })
  async hostKeys(@Root() name: Name, @Ctx() context: IpregContext): Promise<HostPublicKey[]> {
    await assertMaySee(context, name);
    return (await context.network.hostKeysOf([name.id])).map(({ algorithm, publicKey }) => ({ algorithm, publicKey }));
  }
}
