import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { signedIn } from '../../../core/principal.js';
import type { HostingContext } from '../hosting-context.js';
import { Site } from '../sites/site-types.js';
import { toTask } from '../tasks/task-from-view.js';
import { Task } from '../tasks/task-types.js';
import type { Vhost as VhostRow } from './vhost-entity.js';
import { AddVhostInput, Vhost, VhostNamesInput } from './vhost-types.js';
import { namesNotCovered } from '../../../plugins/certificates/certificate-coverage.js';

export const toVhost = (row: VhostRow): Vhost => ({
  id: row.id,
  siteId: row.siteId,
  name: row.name,
  serverName: row.serverName,
  aliases: row.aliases,
  documentRoot: `/srv/www/${row.name}`,
  state: row.state,
  certificate:
    row.certificateSource && row.certificateNotAfter && row.certificateChain
      ? {
          source: row.certificateSource,
          notAfter: row.certificateNotAfter,
          renewAfter: row.certificateRenewAfter ?? null,
          coversNames: namesNotCovered(row.certificateChain, [row.serverName, ...row.aliases]).length === 0,
        }
      : null,
});

@ObjectType({ description: 'A vhost that was added, and the configuration run that puts it on the VM.' })
export class AddVhostPayload {
  @Field(() => Vhost)
  vhost!: Vhost;

  @Field(() => Task, { description: 'May be a run that was already queued: it applies this change too.' })
  task!: Task;
}

@ObjectType({ description: 'A vhost with its new names, the configuration run that applies them, and a new certificate if the one it had no longer covers them.' })
export class SetVhostNamesPayload extends AddVhostPayload {
  @Field(() => Task, { nullable: true, description: 'A requestCertificate task when the vhost’s issued certificate does not cover the new names; null otherwise.' })
  certificateTask!: Task | null;
}

@Resolver(() => Site)
export class SiteVhostsResolver {
  @FieldResolver(() => [Vhost], { description: 'Its web server’s virtual hosts, the default one (on the service name) first.' })
  async vhosts(@Root() site: Site, @Ctx() context: HostingContext): Promise<Vhost[]> {
    return (await context.vhosts.list(site.id)).map(toVhost);
  }
}

@Resolver(() => Vhost)
export class VhostResolver {
  @Mutation(() => AddVhostPayload, { description: 'Adds a vhost to a site (site admins) on ACTIVE domain names of the site (see VhostNamesInput); a configuration run puts it on the VM.' })
  async addVhost(@Arg('siteId', () => ID) siteId: string, @Arg('input', () => AddVhostInput) input: AddVhostInput, @Ctx() context: HostingContext): Promise<AddVhostPayload> {
    const { vhost, task } = await context.vhosts.add(signedIn(context.principal), siteId, input);
    return { vhost: toVhost(vhost), task: toTask(task) };
  }

  @Mutation(() => SetVhostNamesPayload, {
    description:
      'Replaces a vhost’s names: `serverName` becomes its main name, `aliases` its other names (site admins); checked as addVhost’s are, and nothing is written when one is refused. The default vhost keeps the service name. A configuration run applies them.',
  })
  async setVhostNames(@Arg('vhostId', () => ID) vhostId: string, @Arg('input', () => VhostNamesInput) input: VhostNamesInput, @Ctx() context: HostingContext): Promise<SetVhostNamesPayload> {
    const { vhost, task, certificateTask } = await context.vhosts.setNames(signedIn(context.principal), vhostId, input);
    return { vhost: toVhost(vhost), task: toTask(task), certificateTask: certificateTask && toTask(certificateTask) };
  }

  @Mutation(() => Task, { description: 'Takes a vhost off the site; its document root stays on the VM. The default vhost cannot be removed.' })
  async removeVhost(@Arg('vhostId', () => ID) vhostId: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.vhosts.remove(signedIn(context.principal), vhostId));
  }

  @Mutation(() => Task, { description: 'A certificate for all the vhost’s names from Hostgraph’s issuer, installed on the VM and renewed before it expires.' })
  async requestCertificate(@Arg('vhostId', () => ID) vhostId: string, @Ctx() context: HostingContext): Promise<Task> {
    return toTask(await context.vhosts.requestCertificate(signedIn(context.principal), vhostId));
  }

  @Mutation(() => Task, { description: 'Installs a certificate of your own once it is checked: the key is its key, it covers every name of the vhost, and it chains to a trusted CA.' })
  async uploadCertificate(
    @Arg('vhostId', () => ID) vhostId: string,
    @Arg('certificate', () => String, { description: 'The leaf, PEM; intermediates may follow it.' }) certificate: string,
    @Arg('privateKey', () => String, { description: 'Its private key, PEM, unencrypted.' }) privateKey: string,
    @Ctx() context: HostingContext,
    @Arg('chain', () => String, { nullable: true, description: 'Intermediate certificates, PEM.' }) chain?: string,
  ): Promise<Task> {
    return toTask(await context.vhosts.uploadCertificate(signedIn(context.principal), vhostId, { certificate, privateKey, chain }));
  }
}
