/** Where a sender of metrics lives: the VM whose host name it reports, and that VM's site. */
export interface HostPlacement {
  vmId: string;
  siteId: string;
}

/**
 * Host name (as the sender puts it in the metric path) → VM and site. One small interface so the
 * lookup can change (ipreg's DNS host names) without the ingest path knowing.
 */
export interface HostResolver {
  /** Only the names it knows are in the answer. */
  resolve(hostNames: string[]): Promise<Map<string, HostPlacement>>;
}
