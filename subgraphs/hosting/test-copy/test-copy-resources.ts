import type { Config } from '../../../core/config.js';
import type { Usage } from '../quota/site-usage.js';

/**
 * What a test copy takes from its owner's quota: the vCPUs and memory of the site's flavor (a
 * clone has production's hardware), not another site. A site with a test copy is not resized, so
 * what is given back when the copy goes is what was reserved when it came.
 */
export const testCopyResources = (flavors: Config['flavors'], flavor: string): Partial<Usage> => {
  const hardware = flavors[flavor] ?? { vcpus: 0, memoryMiB: 0 };
  return { vcpus: hardware.vcpus, memoryMiB: hardware.memoryMiB };
};
