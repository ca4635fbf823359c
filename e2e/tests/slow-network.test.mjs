// The registry list and the public pages over an emulated slow 3G link (Chrome DevTools'
// "Slow 3G" preset: 2 s round trip, 50 kB/s each way). Records the first contentful paint of
// each page in target/e2e/slow-3g.json and prints them as a table.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startSentra, accounts } from "../lib/server.mjs";
import { launch, newContext, signIn, PHONE, artefacts } from "../lib/browser.mjs";

const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 };
/** Generous: about three times what the link itself costs for HTML + CSS + JS. */
const USABLE_WITHIN_MS = 15_000;

let server, browser, admin;
const figures = [];
before(async () => {
  server = await startSentra();
  browser = await launch();
  const context = await newContext(browser);
  await signIn(await context.newPage(), server.url, accounts.admin.login);
  admin = await context.storageState();
  await context.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  mkdirSync(artefacts, { recursive: true });
  writeFileSync(join(artefacts, "slow-3g.json"), JSON.stringify(figures, null, 2));
  console.log("\nSlow 3G (2 s RTT, 50 kB/s), phone 360×640, cold cache:");
  console.log("| page | first contentful paint | load event | bytes |");
  console.log("|---|---:|---:|---:|");
  for (const f of figures) console.log(`| ${f.page} | ${f.fcp_ms} ms | ${f.load_ms} ms | ${f.bytes} |`);
});

for (const [name, path, signedIn] of [
  ["sign-in", "/login", false],
  ["owner sign-up", "/signup", false],
  ["registry list", "/umkm", true],
  ["registry list, one kecamatan", "/umkm?district=36.74.03", true],
]) {
  test(`${name} is usable over slow 3G`, async () => {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: signedIn ? admin : undefined });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", SLOW_3G);
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
    await page.goto(server.url + path, { waitUntil: "load", timeout: 60_000 });
    const timing = await page.evaluate(() => new Promise((resolve) => {
      const nav = performance.getEntriesByType("navigation")[0];
      const done = (fcp) => resolve({ fcp, load: Math.round(nav.loadEventEnd) });
      // The paint entry can arrive after the load event: wait for it (up to 10 s).
      new PerformanceObserver((list) => {
        const e = list.getEntriesByName("first-contentful-paint")[0];
        if (e) done(Math.round(e.startTime));
      }).observe({ type: "paint", buffered: true });
      setTimeout(() => done(null), 10_000);
    }));
    figures.push({ page: name, fcp_ms: timing.fcp, load_ms: timing.load, bytes });
    assert.ok(timing.fcp !== null, "the page painted");
    assert.ok(timing.fcp < USABLE_WITHIN_MS, `first contentful paint after ${timing.fcp} ms`);
    assert.ok(await page.locator("h1").isVisible());
    await context.close();
  });
}
