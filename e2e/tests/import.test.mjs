// Importing a spreadsheet in the browser, on a phone, with JavaScript and without: upload,
// check the mapping, the dry run's report (rejected rows downloadable), commit, and the rows in
// the registry. Every page of the way passes axe-core and does not scroll sideways.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSentra, accounts } from "../lib/server.mjs";
import {
  launch, newContext, signIn, horizontalOverflow, seriousA11yViolations, screenshot, PHONE,
} from "../lib/browser.mjs";

let server, browser;
before(async () => {
  server = await startSentra();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A kecamatan's list: one NIK too short; phones, amounts and names written as people do. */
function listOf(run) {
  return [
    "Nama Usaha;Nama Pemilik;NIK;No. HP/WA;Kecamatan;Kelurahan;Omzet/Tahun;Jenis Usaha",
    `Keripik Tempe ${run};Rina Marlina;36740355069001${run}2;0812-1111-2222;Pondok Aren;Jurangmangu Barat;Rp 150.000.000;makanan`,
    `Batik Ratna ${run};Ratna;367403550690;081233334444;Pondok Aren;Pondok Jaya;1,5 jt;Fesyen`,
    `Kopi Ibu ${run};Dewi Lestari;36740365058501${run}3;0857 1234 5678;pondok aren;PONDOK KACANG TIMUR;Rp1.500.000.000;Kuliner`,
  ].join("\r\n");
}

/** axe-core needs scripts; without them the same markup was checked in the run with them. */
async function checkPage(page, name, failures, js) {
  const overflow = await horizontalOverflow(page);
  if (overflow > 0) failures.push(`${name}: scrolls sideways by ${overflow}px`);
  if (js) for (const v of await seriousA11yViolations(page)) failures.push(`${name}: ${v}`);
  await screenshot(page, `import-${name}`);
}

for (const js of [true, false]) {
  test(`an operator imports a spreadsheet on a phone ${js ? "with" : "without"} JavaScript`, { timeout: 120_000 }, async () => {
    const run = js ? "1" : "2";
    const failures = [];
    const context = await newContext(browser, { js, viewport: PHONE, isMobile: true });
    const page = await context.newPage();
    await signIn(page, server.url, accounts.operator.login);
    // She starts on her work page, whose actions include the import.
    await page.goto(`${server.url}/`);
    await page.locator("#main").getByRole("link", { name: "Impor spreadsheet" }).click();
    await page.waitForURL(/\/umkm\/import$/);
    await checkPage(page, `start-${run}`, failures, js);

    await page.getByLabel("Berkas").setInputFiles({
      name: `pondok-aren-${run}.csv`, mimeType: "text/csv", buffer: Buffer.from(listOf(run), "latin1"),
    });
    await Promise.all([page.waitForURL(/\/umkm\/import\/[0-9a-f-]+$/), page.getByRole("button", { name: "Unggah dan periksa kolom" }).click()]);
    assert.equal(await page.locator("select[name='col.3']").inputValue(), "phone", "No. HP/WA is the phone");
    assert.equal(await page.locator("select[name='col.5']").inputValue(), "village");
    await checkPage(page, `mapping-${run}`, failures, js);

    await page.getByRole("button", { name: "Periksa semua baris (uji coba)" }).click();
    // The progress page refreshes itself (a meta refresh, no script) until the report is there.
    await page.locator("#counts").waitFor({ timeout: 60_000 });
    const invalid = await page.locator("#invalid-rows").innerText();
    assert.match(invalid, /baris 3, kolom C "NIK": NIK harus 16 digit\./);
    assert.match(await page.locator("#counts").innerText(), /baru\s+2/);
    await checkPage(page, `report-${run}`, failures, js);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: /Unduh baris yang ditolak/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `pondok-aren-${run}-ditolak.xlsx`);

    await page.getByRole("button", { name: "Simpan", exact: true }).click();
    await page.getByText("Tersimpan", { exact: true }).waitFor({ timeout: 60_000 });
    await checkPage(page, `done-${run}`, failures, js);

    await page.goto(`${server.url}/umkm?q=${encodeURIComponent(`Kopi Ibu ${run}`)}&status=draft`);
    assert.match(await page.locator("main").innerText(), new RegExp(`Kopi Ibu ${run}`));
    await context.close();
    assert.deepEqual(failures, []);
  });
}

test("a business imported twice is found, compared and merged", { timeout: 120_000 }, async () => {
  const failures = [];
  const context = await newContext(browser, { viewport: PHONE, isMobile: true });
  const page = await context.newPage();
  await signIn(page, server.url, accounts.operator.login);
  // The first run's Keripik Tempe again, from another list: a legal form in the name, its NIB.
  const list = [
    "Nama Usaha;Nama Pemilik;NIK;No. HP/WA;Kecamatan;Kelurahan;Jenis Usaha;NIB",
    "UD. Keripik Tempe 1;Rina Marlina;3674035506900112;0812-1111-2222;Pondok Aren;Jurangmangu Barat;makanan;9120301234567",
  ].join("\r\n");
  await page.goto(`${server.url}/umkm/import`);
  await page.getByLabel("Berkas").setInputFiles({ name: "daftar-lain.csv", mimeType: "text/csv", buffer: Buffer.from(list) });
  await Promise.all([page.waitForURL(/\/umkm\/import\/[0-9a-f-]+$/), page.getByRole("button", { name: "Unggah dan periksa kolom" }).click()]);
  await page.getByRole("button", { name: "Periksa semua baris (uji coba)" }).click();
  await page.locator("#counts").waitFor({ timeout: 60_000 });
  assert.match(await page.locator("#counts").innerText(), /mungkin duplikat\s+1/, "same NIK, another name: flagged");
  await page.getByRole("button", { name: "Simpan", exact: true }).click();
  await page.getByText("Tersimpan", { exact: true }).waitFor({ timeout: 60_000 });

  await page.locator("details.menu > summary").click();
  await page.getByRole("link", { name: "Duplikat" }).click();
  // Most likely first: the same business, 100%. (The two runs above are near-copies of each
  // other too, and rightly queued.)
  const first = page.locator("#pairs tbody tr").first();
  assert.match(await first.innerText(), /Keripik Tempe 1[\s\S]*UD\. Keripik Tempe 1[\s\S]*100%/);
  await checkPage(page, "duplicates", failures, true);
  await Promise.all([page.waitForURL(/\/umkm\/duplicates\/.+~.+/), first.getByRole("link", { name: "Bandingkan" }).click()]);
  await checkPage(page, "duplicate-pair", failures, true);
  // The NIB only the imported record has is kept whichever record carries on.
  const nib = page.getByRole("group", { name: "NIB" });
  assert.ok(await nib.getByRole("radio", { name: /9120301234567/ }).isChecked());
  await Promise.all([page.waitForURL(/\/umkm\/[0-9a-f-]+\?done=merged$/), page.getByRole("button", { name: "Gabungkan" }).click()]);
  const main = await page.locator("main").innerText();
  assert.match(main, /Data digabungkan/);
  assert.match(main, /9120301234567/);
  await context.close();
  assert.deepEqual(failures, []);
});
