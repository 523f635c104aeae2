export const SITE_STATES = ['PROVISIONING', 'RUNNING', 'STOPPED', 'DISABLED', 'QUARANTINED', 'CANCELLED', 'FAILED'] as const;
export type SiteState = (typeof SITE_STATES)[number];
