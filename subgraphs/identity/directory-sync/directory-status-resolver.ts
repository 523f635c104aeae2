import { Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { requirePlatformAdmin, signedIn } from '../../../core/principal.js';
import type { IdentityContext } from '../identity-context.js';
import { DirectoryStatus } from '../people/people-types.js';

@Resolver(() => DirectoryStatus)
export class DirectoryStatusResolver {
  @Query(() => DirectoryStatus, { description: 'Whether users and groups are fresh from the directory, and how old the copy is.' })
  async directoryStatus(@Ctx() context: IdentityContext): Promise<DirectoryStatus> {
    const principal = signedIn(context.principal);
    const status = await context.directorySync.status();
    return { ...status, lastError: principal.admin ? status.lastError : null };
  }

  @Mutation(() => DirectoryStatus, { description: 'Copies the directory now instead of at the next scheduled sync, after any sync already running (platform admins).' })
  async syncDirectory(@Ctx() context: IdentityContext): Promise<DirectoryStatus> {
    requirePlatformAdmin(context.principal, 'sync the directory');
    await context.directorySync.run({ wait: true });
    return context.directorySync.status();
  }
}
