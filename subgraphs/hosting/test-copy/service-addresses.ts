/**
 * A site's service names and addresses, which ipreg owns. The test-copy workflows tell it, through
 * this port the worker receives, when a test copy comes and goes and which VM answers on which
 * name after switchServices. Every call states the whole outcome, so repeating one changes nothing.
 */
export interface ServiceAddresses {
  /** cloneToTest: the test copy gets a service name and addresses of its own. */
  addTest(testCopy: TestCopyRef): Promise<void>;
  /** removeTest, and the undo of a cloneToTest: the test copy's name and addresses are given back. */
  removeTest(testCopy: TestCopyRef): Promise<void>;
  /** switchServices: the production name and addresses go to one VM, the test ones to the other. */
  assign(assignment: ServiceAssignment): Promise<void>;
}

export interface TestCopyRef {
  siteId: string;
  testVmId: string;
}

export interface ServiceAssignment {
  siteId: string;
  /** Takes the site's production service name and addresses. */
  productionVmId: string;
  /** Takes the test copy's service name and addresses. */
  testVmId: string;
}
