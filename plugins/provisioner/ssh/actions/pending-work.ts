/** What a step still has to do on the VM, or null when the VM already is as the step says. */
export type PendingWork = (() => Promise<void>) | null;
