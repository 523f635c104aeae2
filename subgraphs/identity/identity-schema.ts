import { buildFederatedSchema } from '../../core/graphql/federated-schema.js';
import { ApiTokenResolver } from './api-tokens/api-token-resolver.js';
import { AuditResolver } from './audit/audit-resolver.js';
import { DirectoryStatusResolver } from './directory-sync/directory-status-resolver.js';
import type { IdentityContext } from './identity-context.js';
import { toPerson } from './people/people-service.js';
import { GroupResolver, UserResolver } from './people/people-resolver.js';
import { QuotaResolver } from './quotas/quota-resolver.js';
import { SiteAccessResolver } from './site-access/site-access-resolver.js';
import { SshKeyResolver } from './ssh-keys/ssh-key-resolver.js';

/** Entities other subgraphs may reference; unknown ones resolve to null. */
const referenceResolvers = {
  User: {
    __resolveReference: async (ref: { username: string }, context: IdentityContext) => {
      const user = await context.people.findUser(ref.username);
      return user ? toPerson(user) : null;
    },
  },
  Group: {
    __resolveReference: (ref: { id: string }, context: IdentityContext) => context.people.findGroup(ref.id),
  },
  // Hosting owns sites; identity only adds who may do what on them, so the reference is all it needs.
  Site: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};

export const buildIdentitySchema = () =>
  buildFederatedSchema({
    resolvers: [
      UserResolver,
      GroupResolver,
      DirectoryStatusResolver,
      SiteAccessResolver,
      SshKeyResolver,
      ApiTokenResolver,
      QuotaResolver,
      AuditResolver,
    ],
    referenceResolvers,
  });
