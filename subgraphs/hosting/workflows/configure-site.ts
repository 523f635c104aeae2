import { Conflict } from '../../../drivers/driver.js';
import { takeUpConfigurationRequest } from '../configuration/configuration-requests.js';
import { applySiteConfiguration } from '../provisioning/apply-site-configuration.js';
import { loadSite, type SiteWorkflow } from './site-vm.js';

/**
 * Applies the site's whole configuration as it is when the run starts: resyncSite, and every
 * change of vhosts, packages, certificates or accounts. Starting lets the next change queue
 * another run (configuration-requests.ts), so nothing asked for during this one is lost.
 */
export const configureSiteWorkflow: SiteWorkflow<{ reason?: string }> = {
  kind: 'configureSite',
  steps: [
    {
      name: 'configure',
      async run(context) {
        await takeUpConfigurationRequest(context.em, context.subjectId, context.taskId);
        const site = await loadSite(context);
        if (site.state !== 'RUNNING') throw new Conflict(`site ${site.name} is ${site.state}: only a running site's VM can be configured`);
        if (context.input.reason) await context.log(`configuring for: ${context.input.reason}`);
        await applySiteConfiguration(context);
      },
    },
  ],
};
