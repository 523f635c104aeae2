import { workflowRegistry } from '../../../core/tasks/workflow.js';
import { createSiteWorkflow } from './create-site.js';
import { deleteSiteWorkflow } from './delete-site.js';
import { rebootSiteWorkflow, startSiteWorkflow, stopSiteWorkflow } from './power-site.js';
import { resizeSiteWorkflow } from './resize-site.js';
import { changeDatabasePasswordWorkflow } from './change-database-password.js';
import { configureSiteWorkflow } from './configure-site.js';
import { requestCertificateWorkflow } from './request-certificate.js';

export const siteWorkflows = workflowRegistry([
  createSiteWorkflow,
  startSiteWorkflow,
  stopSiteWorkflow,
  rebootSiteWorkflow,
  deleteSiteWorkflow,
  resizeSiteWorkflow,
  configureSiteWorkflow,
  changeDatabasePasswordWorkflow,
  requestCertificateWorkflow,
]);

export type SiteTaskKind =
  | 'createSite'
  | 'startSite'
  | 'stopSite'
  | 'rebootSite'
  | 'deleteSite'
  | 'resizeSite'
  | 'configureSite'
  | 'changeDatabaseRootPassword'
  | 'requestCertificate';

/** The plan a task shows before a worker takes it up. */
export const stepNamesOf = (kind: SiteTaskKind) => siteWorkflows.get(kind)!.steps.map((step) => step.name);
