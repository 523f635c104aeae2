import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requirePlatformAdmin } from '../../../core/principal.js';
import type { IpregContext } from '../ipreg-context.js';
import { Address, AddressStateEnum, CreatePoolInput, Pool, PoolPurposeEnum, UpdatePoolInput } from '../ipreg-types.js';
import { toAddressView, toPoolView } from '../ipreg-views.js';
import type { AddressState } from '../addresses/address-entity.js';
import type { PoolPurpose } from './pool-entity.js';

/** Pools are for platform admins: they say how the platform's networks are laid out. */
@Resolver(() => Pool)
export class PoolResolver {
  @Query(() => [Pool], { description: 'Address pools by name, of one purpose or all (platform admins).' })
  async pools(@Ctx() context: IpregContext, @Arg('purpose', () => PoolPurposeEnum, { nullable: true }) purpose?: PoolPurpose | null): Promise<Pool[]> {
    requirePlatformAdmin(context.principal, 'list address pools');
    return (await context.pools.list(purpose)).map(toPoolView);
  }

  @Query(() => Pool, { description: 'One address pool (platform admins).' })
  async pool(@Arg('id', () => ID) id: string, @Ctx() context: IpregContext): Promise<Pool> {
    requirePlatformAdmin(context.principal, 'see address pools');
    return toPoolView(await context.pools.get(id));
  }

  @Query(() => Address, { description: 'One address of a pool: FREE when it was never handed out, QUARANTINED until it may be handed out again; NOT_FOUND outside every pool (platform admins).' })
  async address(@Arg('address', () => String) address: string, @Ctx() context: IpregContext): Promise<Address> {
    requirePlatformAdmin(context.principal, 'look up addresses');
    const found = await context.pools.lookup(address);
    if (found.row) return toAddressView(found.row);
    return { address: found.address, ipVersion: found.pool.prefix.family === 'ipv4' ? 4 : 6, state: 'FREE', quarantinedUntil: null, site: null, poolId: found.pool.id, nameId: null };
  }

  @Mutation(() => Pool, { description: 'Adds an address pool; malformed or overlapping prefixes are refused and nothing is stored (platform admins).' })
  async createPool(@Arg('input', () => CreatePoolInput) input: CreatePoolInput, @Ctx() context: IpregContext): Promise<Pool> {
    requirePlatformAdmin(context.principal, 'add address pools');
    return toPoolView(await context.pools.create(input));
  }

  @Mutation(() => Pool, { description: 'Changes the gateway or reserved ranges of a pool; CONFLICT when an allocated address would be reserved (platform admins).' })
  async updatePool(@Arg('id', () => ID) id: string, @Arg('input', () => UpdatePoolInput) input: UpdatePoolInput, @Ctx() context: IpregContext): Promise<Pool> {
    requirePlatformAdmin(context.principal, 'change address pools');
    return toPoolView(await context.pools.update(id, input));
  }

  @Mutation(() => Pool, { description: 'Removes a pool none of whose addresses is allocated; CONFLICT otherwise (platform admins).' })
  async deletePool(@Arg('id', () => ID) id: string, @Ctx() context: IpregContext): Promise<Pool> {
    requirePlatformAdmin(context.principal, 'remove address pools');
    return toPoolView(await context.pools.remove(id));
  }

  @FieldResolver(() => Int, { description: 'Addresses held now.' })
  async allocatedCount(@Root() pool: Pool, @Ctx() context: IpregContext): Promise<number> {
    return (await context.pools.usage(pool.id)).allocated;
  }

  @FieldResolver(() => Int, { description: 'Addresses released and not yet handed out again.' })
  async quarantinedCount(@Root() pool: Pool, @Ctx() context: IpregContext): Promise<number> {
    return (await context.pools.usage(pool.id)).quarantined;
  }

  @FieldResolver(() => [Address], { description: 'Addresses handed out from the pool, by address (at most `first`, 100 when omitted, up to 1000).' })
  async addresses(
    @Root() pool: Pool,
    @Ctx() context: IpregContext,
    @Arg('state', () => AddressStateEnum, { nullable: true }) state?: AddressState | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
  ): Promise<Address[]> {
    requirePlatformAdmin(context.principal, 'list the addresses of a pool');
    const rows = await context.pools.addresses(pool.id, state ?? null, Math.min(Math.max(first ?? 100, 1), 1000));
    return rows.map(toAddressView);
  }
}
