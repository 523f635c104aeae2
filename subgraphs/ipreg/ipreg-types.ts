import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ADDRESS_STATES, type AddressState } from './addresses/address-entity.js';
import { DOMAIN_NAME_STATES, type DomainNameState } from './domain-names/domain-name-entity.js';
import { NAME_KINDS, NAME_STATES, type NameKind, type NameState } from './names/name-entity.js';
import { POOL_PURPOSES, type PoolPurpose } from './pools/pool-entity.js';

/** The IP registry's GraphQL types: pools, addresses, names, their records, and what it adds to hosting's sites and VMs. */

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const PoolPurposeEnum = enumOf(POOL_PURPOSES);
registerEnumType(PoolPurposeEnum, {
  name: 'PoolPurpose',
  valuesConfig: {
    SERVICE: { description: "Service addresses: what a site's domain names point at; they move when a test copy is promoted." },
    HOST: { description: "Host addresses: a VM's own, which stay with it." },
    TEST: { description: 'Service addresses of test copies.' },
  },
});
export const AddressStateEnum = enumOf(ADDRESS_STATES);
registerEnumType(AddressStateEnum, {
  name: 'AddressState',
  valuesConfig: {
    FREE: { description: 'Never handed out, or back from quarantine.' },
    ALLOCATED: { description: 'Held by a name.' },
    QUARANTINED: { description: 'Released; not handed out again until `quarantinedUntil`, so stale caches and firewall rules run out first.' },
  },
});
export const NameKindEnum = enumOf(NAME_KINDS);
registerEnumType(NameKindEnum, {
  name: 'NameKind',
  valuesConfig: { SERVICE: { description: 'A service name, which users’ domains point at.' }, HOST: { description: "A VM's own name, with its SSH host keys." } },
});
export const NameStateEnum = enumOf(NAME_STATES);
registerEnumType(NameStateEnum, {
  name: 'NameState',
  valuesConfig: { READY: { description: 'Preallocated and published, waiting for a site.' }, ASSIGNED: { description: 'Held by a site.' } },
});
export const DomainNameStateEnum = enumOf(DOMAIN_NAME_STATES);
registerEnumType(DomainNameStateEnum, {
  name: 'DomainNameState',
  valuesConfig: {
    ACTIVE: { description: "Points at the site's service name." },
    AWAITING_APPROVAL: { description: 'Inside a managed zone, but outside what your groups may take: waits for a platform admin.' },
    EXTERNAL: { description: 'Outside the managed zones: publish the TXT token, then ask for verification.' },
  },
});

@ObjectType({ description: 'A hosted site, as the IP registry knows it: its names and addresses.' })
@Directive('@key(fields: "id")')
export class Site {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: "A site's VM, as the IP registry knows it: its host name and addresses." })
@Directive('@key(fields: "id")')
export class Vm {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'Addresses a pool does not hand out, both ends included.' })
export class AddressRange {
  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;
}

@InputType({ description: 'Addresses a pool must not hand out, both ends included.' })
export class AddressRangeInput {
  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;
}

@ObjectType({ description: 'A prefix addresses are handed out from (platform admins).' })
export class Pool {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'CIDR, normalized: 192.0.2.0/24, 2001:db8::/64.' })
  prefix!: string;

  @Field(() => Int, { description: '4 or 6.' })
  ipVersion!: number;

  @Field(() => PoolPurposeEnum)
  purpose!: PoolPurpose;

  @Field(() => String, { description: 'The managed zone its names are made in.' })
  zone!: string;

  @Field(() => String, { nullable: true })
  gateway!: string | null;

  @Field(() => [AddressRange], { description: 'Never handed out (the gateway neither).' })
  reserved!: AddressRange[];

  @Field(() => String, { description: 'How many addresses the prefix holds, in decimal (a /64 holds 18446744073709551616).' })
  size!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class CreatePoolInput {
  @Field(() => String, { description: 'Lower-case letters, digits and hyphens.' })
  name!: string;

  @Field(() => String, { description: 'An IPv4 prefix from /8 to /30 or an IPv6 prefix from /48 to /126, without host bits; may not overlap another pool.' })
  prefix!: string;

  @Field(() => PoolPurposeEnum)
  purpose!: PoolPurpose;

  @Field(() => String, { description: 'One of the managed forward zones.' })
  zone!: string;

  @Field(() => String, { nullable: true, description: 'Inside the prefix; never handed out.' })
  gateway?: string | null;

  @Field(() => [AddressRangeInput], { nullable: true })
  reserved?: AddressRangeInput[] | null;
}

@InputType({ description: 'What a pool keeps back; a field left out stays as it is.' })
export class UpdatePoolInput {
  @Field(() => String, { nullable: true, description: 'Inside the prefix; null removes the gateway.' })
  gateway?: string | null;

  @Field(() => [AddressRangeInput], { nullable: true, description: 'Replaces the reserved ranges; [] removes them.' })
  reserved?: AddressRangeInput[] | null;
}

@ObjectType({ description: 'An address that was handed out; addresses never handed out are FREE and not listed.' })
export class Address {
  @Field(() => String)
  address!: string;

  @Field(() => Int, { description: '4 or 6.' })
  ipVersion!: number;

  @Field(() => AddressStateEnum)
  state!: AddressState;

  @Field(() => Date, { nullable: true })
  quarantinedUntil!: Date | null;

  @Field(() => Site, { nullable: true, description: 'The site whose name holds it; null while READY or released.' })
  site!: Site | null;

  /** For resolvers. */
  poolId!: string;
  nameId!: string | null;
}

@ObjectType({ description: 'One DNS record Hostgraph publishes.' })
export class DnsRecordView {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'A, AAAA, CNAME, TXT, SSHFP or PTR.' })
  type!: string;

  @Field(() => Int)
  ttl!: number;

  @Field(() => String, { description: 'As in a zone file: an address, a name, `4 2 <sha256>` for SSHFP, quoted strings for TXT.' })
  data!: string;
}

@ObjectType({ description: "An SSH host key generated for a host name before its VM exists; only its public half is shown." })
export class HostPublicKey {
  @Field(() => String, { description: 'ed25519, ecdsa-p256 or rsa-3072.' })
  algorithm!: string;

  @Field(() => String, { description: 'One line, as in ssh_host_*_key.pub.' })
  publicKey!: string;
}

@ObjectType({ description: 'Internal: a host key as the provisioner installs it, private half sealed with the configured key.' })
export class SealedHostKey extends HostPublicKey {
  @Field(() => String)
  sealedPrivateKey!: string;
}

@ObjectType({ description: 'A fully qualified name in a managed zone, with its addresses and records.' })
export class Name {
  @Field(() => String)
  fqdn!: string;

  @Field(() => NameKindEnum)
  kind!: NameKind;

  @Field(() => PoolPurposeEnum)
  purpose!: PoolPurpose;

  @Field(() => NameStateEnum)
  state!: NameState;

  @Field(() => String)
  zone!: string;

  @Field(() => Site, { nullable: true, description: 'Null while READY.' })
  site!: Site | null;

  @Field(() => Vm, { nullable: true, description: 'The VM a HOST name belongs to, or that serves a service name.' })
  vm!: Vm | null;

  @Field(() => Date, { nullable: true, description: 'When its records were last published ahead of a site (preallocation).' })
  publishedAt!: Date | null;

  /** For resolvers. */
  id!: string;
}

@ObjectType({ description: 'A domain name asked for a site.' })
export class DomainName {
  @Field(() => String, { description: 'ASCII (internationalised names in punycode), lower case.' })
  fqdn!: string;

  @Field(() => DomainNameStateEnum)
  state!: DomainNameState;

  @Field(() => Site)
  site!: Site;

  @Field(() => String, { nullable: true, description: 'EXTERNAL names: publish this as a TXT record at `verificationName`.' })
  verificationToken!: string | null;

  @Field(() => String, { nullable: true })
  verificationName!: string | null;

  @Field(() => String)
  requestedBy!: string;

  @Field(() => Date)
  createdAt!: Date;
}
