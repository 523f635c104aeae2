import { workflowRegistry } from '../../../core/tasks/workflow.js';
import { createSiteWorkflow } from './create-site.js';
import { deleteSiteWorkflow } from './delete-site.js';
import { rebootSiteWorkflow, startSiteWorkflow, stopSiteWorkflow } from './power-site.js';
import { resizeSiteWorkflow } from './resize-site.js';

export const siteWorkflows = workflowRegistry([
  createSiteWorkflow,
  startSiteWorkflow,
  stopSiteWorkflow,
  rebootSiteWorkflow,
  deleteSiteWorkflow,
  resizeSiteWorkflow,
]);

export type SiteTaskKind = 'createSite' | 'startSite' | 'stopSite' | 'rebootSite' | 'deleteSite' | 'resizeSite';

/** The plan a task shows before a worker takes it up. */
export const stepNamesOf = (kind: SiteTaskKind) => siteWorkflows.get(kind)!.steps.map((step) => step.name);
