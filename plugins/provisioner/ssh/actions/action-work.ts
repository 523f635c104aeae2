import type { Action } from '../../role/planned-step.js';
import type { StepScope } from '../step-scope.js';
import { directoryWork, fileWork, linkWork } from './filesystem-actions.js';
import type { PendingWork } from './pending-work.js';
import { commandWork, packagesWork, serviceWork } from './system-actions.js';
import { usersWork } from './users-action.js';

/** Looks at the VM and says what the action still has to do there. */
export function actionWork(action: Action, scope: StepScope): Promise<PendingWork> {
  switch (action.kind) {
    case 'packages':
      return packagesWork(action, scope);
    case 'file':
      return fileWork(action, scope);
    case 'directory':
      return directoryWork(action, scope);
    case 'link':
      return linkWork(action, scope);
    case 'users':
      return usersWork(action, scope);
    case 'service':
      return serviceWork(action, scope);
    case 'command':
      return commandWork(action, scope);
  }
}
