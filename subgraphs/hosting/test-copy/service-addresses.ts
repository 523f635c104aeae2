/**
 * Where a site's service names and addresses point. ipreg owns them; switchServices tells it,
 * through this port the worker receives, which VM answers on the production name now and which
 * on the test name. Both calls state the whole assignment, so repeating one changes nothing.
 */
export interface ServiceAddresses {
  assign(assignment: ServiceAssignment): Promise<void>;
}

export interface ServiceAssignment {
  siteId: string;
  /** Takes the site's production service name and addresses. */
  productionVmId: string;
  /** Takes the test copy's service name and addresses. */
  testVmId: string;
}

/**
 * A worker that has no ipreg to tell: the service names follow hosting's VM roles, which the same
 * task swaps. The ipreg-backed implementation replaces this one in hosting-worker.ts.
 */
export const serviceNamesFollowRoles: ServiceAddresses = {
  async assign() {},
};
