import { buildFederatedSchema } from '../../core/graphql/federated-schema.js';
import { AddressResolver } from './addresses/address-resolver.js';
import { DomainNameResolver } from './domain-names/domain-name-resolver.js';
import { SiteNetworkResolver, VmNetworkResolver } from './extensions/site-network-resolver.js';
import { NetworkResolver } from './network/network-resolver.js';
import { PoolResolver } from './pools/pool-resolver.js';

/** Hosting owns sites and VMs; the IP registry only adds their names, so a reference is all it needs. */
const referenceResolvers = {
  Site: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  Vm: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};

export const buildIpregSchema = () =>
  buildFederatedSchema({
    resolvers: [PoolResolver, AddressResolver, NetworkResolver, DomainNameResolver, SiteNetworkResolver, VmNetworkResolver],
    referenceResolvers,
  });
