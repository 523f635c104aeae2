import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fatal } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { createRunningSite, sendLines } from '../metrics/metrics-fixture.js';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { ensureInstalled, STATE } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Records the progress every task row shows, as the page draws it (a MutationObserver in the page),
 * from before the task exists; the returned function reads what one task's row showed.
 */
async function watchProgress(page: Page) {
  await page.evaluate(() => {
    const seen: Record<string, number[]> = ((window as any).__progress = {});
    const record = () => {
      for (const row of document.querySelectorAll('tr.task')) {
        const id = row.getAttribute('data-task-id')!;
        const value = Number(row.getAttribute('data-progress'));
        const values = (seen[id] ??= []);
        if (values.at(-1) !== value) values.push(value);
      }
    };
    new MutationObserver(record).observe(document.getElementById('tasks')!, { childList: true, subtree: true, attributes: true });
  });
  return (taskId: string) => page.evaluate((id) => (window as any).__progress[id] as number[], taskId);
}

describe('the status dashboard in a real Chromium', () => {
  let instance: Instance;
  let browser: Browser;
  let page: Page;
  let network: TcpProxy;
  const driver = new SimDriver({ store: new MemorySimVmStore(), latencyMs: 600 });

  beforeAll(async () => {
    ensureInstalled('/usr/bin/chromium', 'chromium');
    instance = await startInstance({ overrides: { driver }, settings: { metrics: { flushMs: 50 } } });
    // A site that already sends its load, for the chart.
    const site = await createRunningSite(instance.url, 'charted');
    const now = Date.now();
    await sendLines(
      instance.config.metrics.graphite.port,
      Array.from({ length: 30 }, (_, i) => `${site.hostName}.load.load.shortterm ${(Math.sin(i / 3) + 1.5).toFixed(3)} ${((now - (30 - i) * 60_000) / 1000).toFixed(0)}`),
    );
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // On loopback the page fills in the admin dev token and signs in by itself.
    // Through a relay the test can cut, as a dropped network would.
    network = await startTcpProxy(instance.url);
    await page.goto(network.url.replace(/\/graphql$/, '/dashboard'));
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
  });
  afterAll(async () => {
    await browser?.close();
    await network?.close();
    await instance?.close();
  });

  it("shows a site created through the API, and its task's progress bar reaching 100%", async () => {
    await page.waitForSelector('tr[data-site-id] svg.spark');
    const progress = await watchProgress(page);
    const { createSite } = await query(instance.url, 'mutation { createSite(input: { name: "watched", flavor: "small" }) { id siteId } }', {}, TOKENS.alice);
    await page.waitForSelector(`tr.task[data-task-id="${createSite.id}"][data-state="SUCCEEDED"][data-progress="100"]`, { timeout: 30_000 });
    const seen = await progress(createSite.id);
    // It moved on the page as the worker went, not only at the end.
    expect(seen.some((value) => value > 0 && value < 100)).toBe(true);
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await page.waitForSelector(`tr[data-site-id="${createSite.siteId}"] .state.RUNNING`);
  });

  it('shows a failure with its error, live', async () => {
    driver.injectFault('start', new Fatal('sim: the host refused to start the VM'));
    const { createSite } = await query(instance.url, 'mutation { createSite(input: { name: "doomed", flavor: "small" }) { id } }', {}, TOKENS.alice);
    const failure = await page.waitForSelector(`#failures tr[data-task-id="${createSite.id}"]`, { timeout: 30_000 });
    expect(await failure.textContent()).toMatch(/HYPERVISOR_ERROR: sim: the host refused to start the VM/);
    await page.waitForSelector(`tr.task[data-task-id="${createSite.id}"][data-state="FAILED"]`);
  });

  it('reconnects after the network drops mid-task and still follows it to the end', async () => {
    const { createSite } = await query(instance.url, 'mutation { createSite(input: { name: "offline", flavor: "small" }) { id siteId } }', {}, TOKENS.alice);
    await page.waitForSelector(`tr.task[data-task-id="${createSite.id}"]`);
    network.cut();
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'reconnecting…');
    network.restore();
    await page.waitForSelector(`tr.task[data-task-id="${createSite.id}"][data-state="SUCCEEDED"][data-progress="100"]`, { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
    await page.waitForSelector(`tr[data-site-id="${createSite.siteId}"] .state.RUNNING`);
    mkdirSync(STATE, { recursive: true });
    await page.screenshot({ path: join(STATE, 'dashboard.png'), fullPage: true });
  });
});
