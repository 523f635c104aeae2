/**
 * Labels live in the VM's `other_config` map, each under this prefix, apart from the keys XAPI and
 * the templates keep there (`base_template_name`, `mac_seed`, `install-methods`, …). XAPI copies
 * other_config to clones and snapshots and restores it on revert, so labels travel with the VM.
 */
const LABEL_PREFIX = 'hostgraph.label.';

export function labelsOf(otherConfig: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(otherConfig)) {
    if (key.startsWith(LABEL_PREFIX)) labels[key.slice(LABEL_PREFIX.length)] = value;
  }
  return labels;
}

/** `otherConfig` with its labels replaced by `labels`; every other key is kept. */
export function withLabels(otherConfig: Record<string, string>, labels: Record<string, string> = {}): Record<string, string> {
  const kept = Object.entries(otherConfig).filter(([key]) => !key.startsWith(LABEL_PREFIX));
  return Object.fromEntries([...kept, ...Object.entries(labels).map(([key, value]) => [`${LABEL_PREFIX}${key}`, value])]);
}
