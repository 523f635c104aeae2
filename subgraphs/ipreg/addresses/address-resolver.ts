import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { IpregContext } from '../ipreg-context.js';
import { Address, Name, Pool } from '../ipreg-types.js';
import { toNameView, toPoolView } from '../ipreg-views.js';

/** An address's pool and holder: seen through a pool (platform admins) or a name its caller may see. */
@Resolver(() => Address)
export class AddressResolver {
  @FieldResolver(() => Pool, { nullable: true, description: 'The pool it was handed out from (platform admins; null for others).' })
  async pool(@Root() address: Address, @Ctx() context: IpregContext): Promise<Pool | null> {
    if (!context.principal?.admin) return null;
    const [pool] = await context.pools.findByIds([address.poolId]);
    return pool ? toPoolView(pool) : null;
  }

  @FieldResolver(() => Name, { nullable: true, description: 'The name that holds it; null once released, and for whoever may not see its site.' })
  async holder(@Root() address: Address, @Ctx() context: IpregContext): Promise<Name | null> {
    if (!address.nameId) return null;
    const principal = signedIn(context.principal);
    if (!principal.admin && !(address.site && (await context.sitePermission.maySee(address.site.id)))) return null;
    const [name] = await context.network.namesByIds([address.nameId]);
    return name ? toNameView(name) : null;
  }
}
