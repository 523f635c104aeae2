import { Resolver } from 'node:dns/promises';

/** Whether `name` has a TXT record whose text is `token`, asking the configured resolvers (or the system's). */
export async function hasTxtToken(name: string, token: string, resolvers: string[]): Promise<boolean> {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (resolvers.length > 0) resolver.setServers(resolvers);
  try {
    const records = await resolver.resolveTxt(name);
    return records.some((strings) => strings.join('') === token);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return false;
    throw error;
  }
}
