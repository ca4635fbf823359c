// Each role's first steps on a 360×740 phone (issue 31): what the person achieves, not only
// that pages exist. Screenshots land in target/e2e/screenshots/journey-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSentra, accounts } from "../lib/server.mjs";
import { launch, newContext, signIn, screenshot, layoutProblems } from "../lib/browser.mjs";

const PHONE_740 = { width: 360, height: 740 };
let server, browser;
before(async () => {
  server = await startSentra();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function phone(js = true) {
  return newContext(browser, { js, viewport: PHONE_740, isMobile: true });
}

async function headerShare(page) {
  return page.evaluate(() => document.querySelector("header.top").getBoundingClientRect().height / innerHeight);
}

for (const js of [true, false]) {
  test(`a buyer finds a product from the front page on a phone ${js ? "with" : "without"} JavaScript`, async () => {
    const context = await phone(js);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    assert.match(await page.locator("h1").innerText(), /UMKM Kota Tangerang Selatan/);
    assert.ok(await headerShare(page) <= 0.15, "the header takes at most 15% of the screen");
    await page.getByLabel("Cari produk UMKM").fill("keripik");
    await Promise.all([page.waitForURL(/\/katalog\?q=keripik/), page.getByRole("button", { name: "Cari" }).click()]);
    // Results first: a product in the first screen, the facets folded behind "Filter".
    const first = page.locator("ol.results li").first();
    const box = await first.boundingBox();
    assert.ok(box && box.y < PHONE_740.height, `first product at ${box?.y}px`);
    assert.equal(await page.locator("aside.facets").isVisible(), false, "filters folded");
    await page.getByText("Filter", { exact: true }).click();
    const category = page.locator("aside.facets section").filter({ hasText: "Kategori" }).getByRole("link").first();
    const label = (await category.innerText()).trim();
    await Promise.all([page.waitForURL(/kategori=/), category.click()]);
    // The filter in force as a chip, by its name; its ✕ takes it off and keeps the words.
    const chip = page.locator("ul.chips a").filter({ hasText: `Kategori: ${label}` });
    assert.equal(await chip.count(), 1, `chip for ${label}`);
    await screenshot(page, `journey-buyer-filtered.${js ? "js" : "nojs"}`);
    await Promise.all([page.waitForURL((u) => !u.search.includes("kategori=")), chip.click()]);
    assert.match(page.url(), /q=keripik/);
    // Into a product and back to the same search (the back link reads this tab's history).
    await Promise.all([page.waitForURL(/\/p\//), page.locator("ol.results li a").first().click()]);
    const back = page.getByRole("link", { name: /Kembali ke katalog/ });
    if (js) {
      assert.match(await back.getAttribute("href"), /^\/katalog\?q=keripik/);
    } else {
      assert.equal(await back.getAttribute("href"), "/katalog");
    }
    await context.close();
  });
}

test("a procurement officer lands on the share, with a menu that fits a phone", async () => {
  const context = await phone();
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await signIn(page, server.url, accounts.procurement.login);
  await page.goto(`${server.url}/`);
  assert.equal(new URL(page.url()).pathname, "/pengadaan");
  assert.ok(await headerShare(page) <= 0.15, `header ${await headerShare(page)}`);
  const menu = page.locator("details.menu > summary");
  const tap = await menu.boundingBox();
  assert.ok(tap.height >= 44 && tap.width >= 44, `Menu button ${tap.width}×${tap.height}`);
  await menu.click();
  const ekatalog = page.getByRole("link", { name: "E-katalog lokal" });
  assert.ok(await ekatalog.isVisible());
  const link = await ekatalog.boundingBox();
  assert.ok(link.height >= 44, `menu link ${link.height}px high`);
  await screenshot(page, "journey-procurement-menu");
  await Promise.all([page.waitForURL(/ekatalog=1/), ekatalog.click()]);
  // The public catalogue keeps the officer's own header.
  assert.match(await page.locator("header").innerText(), /Pejabat Pengadaan Uji|Menu/);
  assert.deepEqual((await layoutProblems(page)).filter((p) => p.startsWith("header")), []);
  await context.close();
});

test("an operator starts on her area's work and opens the drafts waiting for her", async () => {
  const context = await phone();
  const page = await context.newPage();
  await signIn(page, server.url, accounts.operator.login);
  await page.goto(`${server.url}/`);
  assert.equal(new URL(page.url()).pathname, "/kerja");
  const drafts = page.locator("ul.tasks a").filter({ hasText: "draf menunggu verifikasi" });
  const n = Number((await drafts.locator("strong").innerText()).replace(/\D/g, ""));
  await screenshot(page, "journey-operator-work");
  await Promise.all([page.waitForURL(/status=draft/), drafts.click()]);
  const listed = Number((await page.locator("p.count strong").innerText()).replace(/\D/g, ""));
  assert.equal(listed, n, "the count on the work page is the list behind it");
  await context.close();
});
