// Drives the query UI in Debian's headless Chromium (playwright-core, no bundled browser):
// search, open the cross-region trace, check both region lanes, the cross-region marker, the skew
// warning and the sampling reason, open span details, visit the overview. Screenshots go to the
// directory given; the last stdout line is a JSON summary. Exit code 0 = every check passed.
// Usage: node ui-e2e.mjs <baseUrl> <screenshotDir> <traceId> <regionA> <regionB> <samplingReason> <errorSpanId>
import { chromium } from 'playwright-core';
import path from 'node:path';
import fs from 'node:fs';

const [baseUrl, shots, traceId, regionA, regionB, reason, errorSpanId] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
const checks = [];
const check = (name, ok) => {
  checks.push({ name, ok });
  if (!ok) throw new Error('check failed: ' + name);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  // Root in a container: Chromium's sandbox needs user namespaces the machine may not grant.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const consoleErrors = [];
page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', e => consoleErrors.push(String(e)));
page.setDefaultTimeout(20000);
try {
  await page.goto(baseUrl + '#/search');
  await page.waitForSelector('#service option[value="edge-gateway"]', { state: 'attached' });
  await page.selectOption('#service', 'edge-gateway');
  await page.click('#find');
  const result = page.locator(`.result[data-trace-id="${traceId}"]`);
  await result.waitFor();
  check('search lists the trace', await result.isVisible());
  check('result shows the sampling reason', (await result.innerText()).includes(reason));
  await page.screenshot({ path: path.join(shots, 'search.png'), fullPage: true });

  await result.click();
  await page.waitForSelector('#waterfall .span-row');
  for (const region of [regionA, regionB]) {
    const lane = page.locator(`#region-lanes .region-lane[data-region="${region}"]`);
    check(`lane for ${region} is visible`, await lane.isVisible());
    check(`lane for ${region} has spans`, (await lane.locator('.track span').count()) > 0);
    check(`waterfall has ${region} rows`, (await page.locator(`#waterfall .span-row[data-region="${region}"]`).count()) > 0);
  }
  const lanesColours = await page.$$eval('#region-lanes .region-lane .name', els => els.map(e => getComputedStyle(e).color));
  check('each region lane has its own colour', new Set(lanesColours).size === lanesColours.length && lanesColours.length >= 2);
  check('sampling reason is visible', (await page.locator('#sampling-reason').innerText()).includes(reason));
  check('cross-region edge is marked', await page.locator('.span-row .cross-region').first().isVisible());
  check('clock skew is marked', await page.locator('.span-row .skew').first().isVisible());
  check('trace warnings mention clock skew', (await page.locator('#trace-warnings').innerText()).includes('clock skew'));
  await page.screenshot({ path: path.join(shots, 'trace.png'), fullPage: true });

  await page.click(`.span-row[data-span-id="${errorSpanId}"]`);
  const details = page.locator(`.details[data-details-for="${errorSpanId}"]`);
  await details.waitFor();
  const text = await details.innerText();
  check('span details show attributes', text.includes('otel.status_description') && text.includes('card declined'));
  check('span details show events', text.includes('retry'));
  check('span details show links', text.includes('FOLLOWS_FROM'));
  await page.screenshot({ path: path.join(shots, 'span-details.png'), fullPage: true });

  await page.click('#nav-overview');
  await page.waitForSelector('#overview .cards');
  check('overview shows decisions', (await page.locator('#overview').innerText()).includes('rules/errors'));
  await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });
  check('overview renders no placeholder text', !(await page.locator('#overview').innerText()).includes('null'));
  check('no console errors', consoleErrors.length === 0);
  console.log(JSON.stringify({ ok: true, checks }));
} catch (error) {
  await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.log(JSON.stringify({ ok: false, error: String(error && error.message || error), checks, consoleErrors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
