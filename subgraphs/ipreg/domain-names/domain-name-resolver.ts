import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requirePlatformAdmin, signedIn } from '../../../core/principal.js';
import type { IpregContext } from '../ipreg-context.js';
import { DomainName } from '../ipreg-types.js';
import { toDomainNameView } from '../ipreg-views.js';

@Resolver(() => DomainName)
export class DomainNameResolver {
  @Mutation(() => DomainName, {
    description:
      "Asks for a domain name on a site you manage. Inside a managed zone: ACTIVE at once if your groups may take names there (it then points at the site's service name), otherwise AWAITING_APPROVAL. Outside: EXTERNAL until its TXT token is verified. Wildcards, invalid names and names in use are refused.",
  })
  async requestDomainName(@Arg('siteId', () => ID) siteId: string, @Arg('name', () => String) name: string, @Ctx() context: IpregContext): Promise<DomainName> {
    const principal = await context.sitePermission.assert(siteId, 'manage', 'site');
    return toDomainNameView(await context.domainNames.request(principal, siteId, name));
  }

  @Mutation(() => DomainName, { description: 'Looks up the TXT token of an EXTERNAL name in DNS; ACTIVE once it is found, CONFLICT until then (site admins).' })
  async verifyDomainName(@Arg('name', () => String) name: string, @Ctx() context: IpregContext): Promise<DomainName> {
    const row = await context.domainNames.get(name);
    await context.sitePermission.assert(row.siteId, 'manage', 'site');
    return toDomainNameView(await context.domainNames.verify(row));
  }

  @Mutation(() => DomainName, { description: 'Accepts a name that waits for approval (platform admins).' })
  async approveDomainName(@Arg('name', () => String) name: string, @Ctx() context: IpregContext): Promise<DomainName> {
    requirePlatformAdmin(context.principal, 'approve domain names');
    return toDomainNameView(await context.domainNames.approve(name));
  }

  @Mutation(() => DomainName, { description: "Takes a domain name off its site and withdraws its records (site admins)." })
  async removeDomainName(@Arg('name', () => String) name: string, @Ctx() context: IpregContext): Promise<DomainName> {
    const row = await context.domainNames.get(name);
    await context.sitePermission.assert(row.siteId, 'manage', 'site');
    return toDomainNameView(await context.domainNames.remove(row));
  }

  @Query(() => DomainName, { nullable: true, description: 'A domain name, if you may see its site.' })
  async domainName(@Arg('name', () => String) name: string, @Ctx() context: IpregContext): Promise<DomainName | null> {
    signedIn(context.principal);
    const row = await context.domainNames.get(name).catch(() => null);
    if (!row) return null;
    await context.sitePermission.assert(row.siteId, 'see', 'site');
    return toDomainNameView(row);
  }
}
