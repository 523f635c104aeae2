import { workflowRegistry } from '../../../core/tasks/workflow.js';
import { createSiteWorkflow } from './create-site.js';
import { deleteSiteWorkflow } from './delete-site.js';
import {
  cancelSiteWorkflow,
  disableSiteWorkflow,
  enableSiteWorkflow,
  quarantineSiteWorkflow,
  resetSiteWorkflow,
  suspendSiteWorkflow,
  unquarantineSiteWorkflow,
  unsuspendSiteWorkflow,
} from './lifecycle-site.js';
import { rebootSiteWorkflow, startSiteWorkflow, stopSiteWorkflow } from './power-site.js';
import { resizeSiteWorkflow } from './resize-site.js';
import { changeDatabasePasswordWorkflow } from './change-database-password.js';
import { configureSiteWorkflow } from './configure-site.js';
import { requestCertificateWorkflow } from './request-certificate.js';
import { createSnapshotWorkflow, deleteSnapshotWorkflow, nightlySnapshotWorkflow, restoreSnapshotWorkflow } from './snapshot-site.js';
import { cloneToTestWorkflow, removeTestWorkflow, switchServicesWorkflow } from './test-copy.js';

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
  // Site operations: power, state, snapshots, the test copy.
  resetSiteWorkflow,
  disableSiteWorkflow,
  enableSiteWorkflow,
  quarantineSiteWorkflow,
  unquarantineSiteWorkflow,
  suspendSiteWorkflow,
  unsuspendSiteWorkflow,
  cancelSiteWorkflow,
  createSnapshotWorkflow,
  nightlySnapshotWorkflow,
  restoreSnapshotWorkflow,
  deleteSnapshotWorkflow,
  cloneToTestWorkflow,
  switchServicesWorkflow,
  removeTestWorkflow,
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
  | 'requestCertificate'
  | SiteOperationKind;

/** The kinds of the site operations (lifecycle/operation-rules.ts says when each may run). */
export type SiteOperationKind =
  | 'resetSite'
  | 'disableSite'
  | 'enableSite'
  | 'quarantineSite'
  | 'unquarantineSite'
  | 'suspendSite'
  | 'unsuspendSite'
  | 'cancelSite'
  | 'createSnapshot'
  | 'nightlySnapshot'
  | 'restoreSnapshot'
  | 'deleteSnapshot'
  | 'cloneToTest'
  | 'switchServices'
  | 'removeTest';

/** The plan a task shows before a worker takes it up. */
export const stepNamesOf = (kind: SiteTaskKind) => siteWorkflows.get(kind)!.steps.map((step) => step.name);
