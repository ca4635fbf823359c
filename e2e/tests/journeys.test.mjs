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

// An FGD participant on a phone: one row of boxes per pair (no 17-option dropdown), progress
// over the form, one suggestion at a time when answers contradict, taken with one tap.
test("an FGD participant answers on a phone and is guided to consistent answers, with and without JavaScript", async () => {
  const office = await newContext(browser);
  const admin = await office.newPage();
  await signIn(admin, server.url, accounts.admin.login);
  await admin.goto(`${server.url}/unggulan`);
  await admin.getByLabel("Judul", { exact: true }).fill("Produk unggulan FGD ponsel");
  await Promise.all([admin.waitForURL(/done=created/), admin.getByRole("button", { name: "Buat putaran" }).click()]);
  // The template is Permendagri 9/2014's criteria in clusters; this round keeps three of them.
  assert.match(await admin.locator("#f-criteria").inputValue(), /^Manfaat ekonomi\n- Penyerapan tenaga kerja/);
  await admin.locator("#f-criteria").fill("Tenaga kerja\nPasar\nBahan baku");
  await admin.getByLabel("Kandidat produk", { exact: true }).fill("Keripik ; kuliner\nAnyaman ; kriya");
  await admin.locator("#f-mode").selectOption("rating");
  await Promise.all([admin.waitForURL(/done=saved/), admin.locator("#setup button[type=submit]").click()]);
  const links = [];
  for (const name of ["Peserta dengan skrip", "Peserta tanpa skrip"]) {
    await admin.getByLabel("Nama peserta", { exact: true }).fill(name);
    await Promise.all([admin.waitForLoadState("load"), admin.getByRole("button", { name: "Tambah peserta dan buat tautannya" }).click()]);
    links.push(new URL((await admin.locator("#new-link code").textContent()).trim()).pathname);
  }
  await Promise.all([admin.waitForURL(/done=status/), admin.getByRole("button", { name: "Buka untuk peserta" }).click()]);
  await office.close();

  for (const [k, js] of [[0, true], [1, false]]) {
    const context = await phone(js);
    const page = await context.newPage();
    await page.goto(server.url + links[k]);
    assert.equal(await page.locator("select").count(), 0, "no dropdowns");
    assert.match(await page.locator("#progress").innerText(), /Bagian 1\/4 · 0 dari 9 jawaban terisi/);
    // The first pair's boxes are in the first screen, each a 44 px target.
    const box = await page.locator('label[for="p0_1-a3"]').boundingBox();
    assert.ok(box.y + box.height < 740, `first pair at ${box.y}px`);
    assert.ok(box.height >= 44 && box.width >= 24, `box ${box.width}×${box.height}`);
    // Jobs 3× market, market 3× materials, yet materials 5× jobs: a contradiction.
    for (const id of ["p0_1-a3", "p0_2-b5", "p1_2-a3"]) await page.locator(`label[for="${id}"]`).tap();
    if (js) assert.match(await page.locator("#p0_1 .chosen").innerText(), /Tenaga kerja — sedikit lebih penting \(3\)/);
    assert.deepEqual(await layoutProblems(page), []);
    await screenshot(page, `journey-fgd-answers.${js ? "js" : "nojs"}`);
    await Promise.all([page.waitForURL(/tersimpan=1/), page.getByRole("button", { name: "Simpan bagian ini" }).tap()]);
    assert.match(await page.locator("#consistency").innerText(), /belum sejalan/);
    assert.equal(await page.getByRole("button", { name: "Pakai nilai ini" }).count(), 1, "one suggestion at a time");
    assert.match(await page.locator("#suggestion").innerText(), /Anda menilai Tenaga kerja sedikit lebih penting \(3\) daripada Pasar/);
    assert.deepEqual(await layoutProblems(page), []);
    await screenshot(page, `journey-fgd-suggestion.${js ? "js" : "nojs"}`);
    // The same address comes back (saved again): wait for the new page itself.
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Pakai nilai ini" }).tap()]);
    assert.match(await page.locator("#consistency").innerText(), /Tersimpan dan konsisten/);
    assert.match(await page.locator("#progress").innerText(), /3 dari 9 jawaban terisi/);
    // On to the candidates: rated 1–9, one row of boxes each.
    await Promise.all([page.waitForURL(/bagian=1/), page.getByRole("link", { name: /Bagian berikutnya/ }).tap()]);
    assert.equal(await page.locator('#r0 input[type="radio"]').count(), 9);
    await context.close();
  }
  // On a desktop a pair is the paper form's one row: A 9 … 2, =, 2 … 9 B.
  const desk = await newContext(browser);
  const page = await desk.newPage();
  await page.goto(`${server.url}${links[0]}?bagian=0`);
  const tops = await page.locator("#p0_1 .scale label").evaluateAll((ls) => ls.filter((l) => !l.classList.contains("clear")).map((l) => Math.round(l.getBoundingClientRect().top)));
  assert.equal(tops.length, 17);
  assert.equal(new Set(tops).size, 1, `one row: ${tops}`);
  assert.deepEqual(await layoutProblems(page), []);
  await screenshot(page, "journey-fgd-desktop");
  await desk.close();
});
