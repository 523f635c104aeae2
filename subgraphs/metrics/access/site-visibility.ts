import type { Principal } from '../../../core/principal.js';
import { signedIn } from '../../../core/principal.js';
import type { HostingClient } from '../../hosting/client/hosting-client.js';

/**
 * Whoever may see a site may see its metrics: hosting is asked, as the caller, once per site and
 * request, and its refusal (FORBIDDEN, NOT_FOUND, a missing scope) is passed on in its own words.
 */
export class SiteVisibility {
  private readonly checked = new Map<string, Promise<void>>();

  constructor(
    private readonly hosting: Pick<HostingClient, 'assertCanSeeSite'>,
    private readonly principal: Principal | null,
  ) {}

  assert(siteId: string): Promise<void> {
    const principal = signedIn(this.principal);
    if (principal.kind === 'service') return Promise.resolve();
    let check = this.checked.get(siteId);
    if (!check) this.checked.set(siteId, (check = this.hosting.assertCanSeeSite(principal, siteId)));
    return check;
  }
}
