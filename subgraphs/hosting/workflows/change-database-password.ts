import { TaskEntity } from '../../../core/tasks/task-entities.js';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { provisionSite, siteEndpoint } from '../provisioning/apply-site-configuration.js';
import type { SiteStepContext, SiteWorkflow } from './site-vm.js';

export interface ChangeDatabasePasswordInput {
  /** Sealed by the API (sealed-secrets.ts); dropped from the task once the task is settled. */
  sealedPassword?: string;
}

export const databasePasswordPurpose = (siteId: string) => `database root password of site ${siteId}`;

/** The password never stays with the task: whatever the outcome, its sealed copy is erased. */
async function forgetPassword(context: SiteStepContext<ChangeDatabasePasswordInput>) {
  await context.em.fork().nativeUpdate(TaskEntity, { id: context.taskId }, { input: {} });
}

/**
 * Sets the database root password the API generated and showed once. It travels sealed in the
 * task's input and on the command's standard input on the VM; the provisioner masks it in every
 * line it reports, and no event or output of the task holds it.
 */
export const changeDatabasePasswordWorkflow: SiteWorkflow<ChangeDatabasePasswordInput> = {
  kind: 'changeDatabaseRootPassword',
  steps: [
    {
      name: 'set-database-root-password',
      async run(context) {
        const sealed = context.input.sealedPassword;
        if (!sealed) throw new Fatal('the password is no longer with the task (it was settled or resumed after it was erased); ask for a new one');
        const password = context.deps.provisioning.sealer.open(sealed, databasePasswordPurpose(context.subjectId));
        await provisionSite(context, await siteEndpoint(context), [{ role: 'database-root-password', parameters: { password } }]);
      },
    },
  ],
  async settle(context) {
    await forgetPassword(context);
  },
};
