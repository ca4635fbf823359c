// Every page, at phone and desktop size: axe-core finds nothing serious, nothing scrolls
// sideways, a cold load stays within the 60 KB budget with no request to another host, and a
// screenshot is kept in target/e2e/screenshots for review.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startSentra, accounts } from "../lib/server.mjs";
import {
  launch, newContext, signIn, measureLoad, budgetProblems, horizontalOverflow,
  seriousA11yViolations, layoutProblems, screenshot, PHONE, DESKTOP, artefacts,
} from "../lib/browser.mjs";

let server, browser;
const sessions = {}; // role → storage state (cookies) of a signed-in desktop context
const weights = [];
let umkmId, activityId, productHref, storeHref, unitHref, purchaseHref, roundHref, newRoundHref, fgdHref;
let partnerHref, requestHref, exhibitionHref, publicExhibitionHref, itemHref;

before(async () => {
  server = await startSentra();
  browser = await launch();
  for (const role of ["admin", "operator", "viewer"]) {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server.url, accounts[role].login);
    sessions[role] = await context.storageState();
    if (role === "admin") {
      await page.goto(`${server.url}/umkm`);
      umkmId = (await page.locator("table a[href^='/umkm/']").first().getAttribute("href")).split("/").pop();
      // An activity of the demo programme (every month has some).
      await page.goto(`${server.url}/kegiatan`);
      activityId = (await page.locator("table.cards a[href^='/kegiatan/']").first().getAttribute("href")).split("/").pop();
      // A government unit of the demo and one of its purchases.
      await page.goto(`${server.url}/pengadaan`);
      unitHref = await page.locator("#unit-shares a[href^='/pengadaan/opd/']").first().getAttribute("href");
      await page.goto(server.url + unitHref);
      purchaseHref = await page.locator("#purchase-list a[href^='/pengadaan/pembelian/']").first().getAttribute("href");
      // The demo's published flagship round, and a new one set up as an office would: three
      // candidates, the criteria template, a participant whose personal link opens the form.
      await page.goto(`${server.url}/unggulan`);
      roundHref = await page.locator("#rounds a[href^='/unggulan/']").first().getAttribute("href");
      await page.getByLabel("Judul", { exact: true }).fill("Produk unggulan uji");
      await Promise.all([page.waitForURL(/\/unggulan\/[^/?]+\?done=created/), page.getByRole("button", { name: "Buat putaran" }).click()]);
      newRoundHref = new URL(page.url()).pathname;
      await page.getByLabel("Kandidat produk", { exact: true }).fill("Keripik ; kuliner\nBatik ; fesyen\nBambu ; kriya");
      await Promise.all([page.waitForURL(/done=saved/), page.locator("#setup button[type=submit]").click()]);
      await page.getByLabel("Nama peserta", { exact: true }).fill("Peserta Uji");
      await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Tambah peserta dan buat tautannya" }).click()]);
      fgdHref = new URL((await page.locator("#new-link code").textContent()).trim()).pathname;
      await Promise.all([page.waitForURL(/done=status/), page.getByRole("button", { name: "Buka untuk peserta" }).click()]);
      // The demo's partnerships, exhibition and gallery.
      await page.goto(`${server.url}/mitra`);
      partnerHref = await page.locator("#partners a[href^='/mitra/']").first().getAttribute("href");
      await page.goto(server.url + partnerHref);
      requestHref = await page.locator("#requests a[href^='/mitra/permintaan/']").first().getAttribute("href");
      await page.goto(`${server.url}/kurasi/pameran`);
      exhibitionHref = await page.locator("#exhibitions a").first().getAttribute("href");
      await page.goto(`${server.url}/pameran`);
      publicExhibitionHref = await page.locator("#exhibitions a").first().getAttribute("href");
      await page.goto(`${server.url}/galeri`);
      itemHref = await page.locator("#gallery-stock a[href^='/galeri/barang/']").first().getAttribute("href");
    }
    await context.close();
  }
  // A product of the demo catalogue, as a visitor finds it.
  {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/katalog?q=keripik`);
    productHref = await page.locator("ol.results a[href^='/p/']").first().getAttribute("href");
    await page.goto(server.url + productHref);
    storeHref = await page.locator("a[href^='/toko/']").first().getAttribute("href");
    await context.close();
  }
  // An owner signs up, the way owners do.
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${server.url}/signup`);
  await page.getByLabel("Nama lengkap", { exact: true }).fill("Ibu Sari Pemilik");
  await page.getByLabel("Telepon/WhatsApp", { exact: true }).fill("0812 3456 7890");
  await page.getByLabel("Kata sandi", { exact: true }).fill("sandi-pemilik-2026");
  await Promise.all([page.waitForURL(/\/umkm\/new/), page.getByRole("button", { name: "Buat akun" }).click()]);
  sessions.owner = await context.storageState();
  await context.close();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  mkdirSync(artefacts, { recursive: true });
  writeFileSync(join(artefacts, "page-weights.json"), JSON.stringify(weights, null, 2));
});

/** name, who (undefined = signed out), path — every GET page a user can land on. */
const pages = () => [
  ["login", undefined, "/login"],
  ["signup", undefined, "/signup"],
  ["not-found", undefined, "/halaman-yang-tidak-ada"],
  ["catalog", undefined, "/katalog"],
  ["catalog-search", undefined, "/katalog?q=keripik+pedas&urut=price_asc"],
  ["product", undefined, productHref],
  ["store", undefined, storeHref],
  ["agenda", undefined, "/agenda"],
  ["open-data", undefined, "/data"],
  ["registry", "admin", "/umkm"],
  ["registry-english", "admin", "/umkm?lang=en"],
  ["registry-kecamatan", "admin", "/umkm?district=36.74.03"],
  ["registry-filtered", "admin", "/umkm?district=36.74.03&status=verified&sort=name&q=a"],
  ["registry-operator", "operator", "/umkm"],
  ["registry-viewer", "viewer", "/umkm"],
  ["umkm-new", "admin", "/umkm/new"],
  ["umkm-detail", "admin", `/umkm/${umkmId}`],
  ["umkm-edit", "admin", `/umkm/${umkmId}/edit`],
  ["products", "admin", `/umkm/${umkmId}/produk`],
  ["product-new", "admin", `/umkm/${umkmId}/produk/baru`],
  ["audit", "admin", "/audit"],
  ["users", "admin", "/admin/users"],
  ["categories", "admin", "/admin/kategori"],
  ["category-edit", "admin", "/admin/kategori/makanan.keripik"],
  ["synonyms", "admin", "/admin/sinonim"],
  ["activities", "admin", "/kegiatan"],
  ["activities-month", "admin", "/kegiatan?tampilan=bulan"],
  ["activities-week", "admin", "/kegiatan?tampilan=minggu"],
  ["activity-new", "admin", "/kegiatan/baru"],
  ["activity-reach", "admin", "/kegiatan/jangkauan"],
  ["activity-edit", "admin", `/kegiatan/${activityId}`],
  ["activity-participants", "admin", `/kegiatan/${activityId}/peserta`],
  ["activity-check-in", "admin", `/kegiatan/${activityId}/hadir`],
  ["activity-invitations", "admin", `/kegiatan/${activityId}/undangan`],
  ["programme-settings", "admin", "/kegiatan/pengaturan"],
  ["dashboard", "admin", "/dasbor"],
  ["dashboard-kecamatan", "admin", "/dasbor?wilayah=36.74.03&dokumen=halal"],
  ["reports", "admin", "/laporan"],
  ["report-summary", "admin", "/laporan?wilayah=36.74&jenis=wilayah"],
  ["report-crosstab", "admin", "/laporan?jenis=silang&wilayah=36.74&baris=sector&kolom=size&ukuran=sales"],
  ["registry-moved-up", "admin", "/umkm?naik_kelas=class_up%3A2025"],
  ["procurement", "admin", "/pengadaan"],
  ["procurement-month", "admin", "/pengadaan?bulan=2"],
  ["procurement-units", "admin", "/pengadaan/opd"],
  ["procurement-unit", "admin", unitHref],
  ["procurement-unit-flagged", "admin", `${unitHref}&tanda=1`],
  ["procurement-purchase", "admin", purchaseHref],
  ["procurement-purchase-viewer", "viewer", purchaseHref],
  ["procurement-purchase-new", "admin", "/pengadaan/pembelian/baru?cari=ker"],
  ["procurement-umkm", "admin", "/pengadaan/umkm"],
  ["procurement-import", "admin", "/pengadaan/impor"],
  ["flagship", "admin", "/unggulan"],
  ["flagship-round", "admin", newRoundHref],
  ["flagship-results", "admin", `${roundHref}/hasil`],
  ["flagship-public", undefined, `${roundHref}/publik`],
  ["fgd-form", undefined, fgdHref],
  ["fgd-candidates", undefined, `${fgdHref}?bagian=1`],
  ["partners", "admin", "/mitra"],
  ["partner", "admin", partnerHref],
  ["partner-request", "admin", requestHref],
  ["exhibitions", "admin", "/kurasi/pameran"],
  ["exhibition-manage", "admin", exhibitionHref],
  ["exhibitions-public", undefined, "/pameran"],
  ["exhibition-public", undefined, publicExhibitionHref],
  ["gallery", "admin", "/galeri"],
  ["gallery-item", "admin", itemHref],
  ["gallery-counter", "admin", "/galeri/kasir"],
  ["gallery-labels", "admin", `${itemHref}/label?n=4`],
  ["gallery-statements", "admin", "/galeri/laporan"],
  ["expiring-documents", "admin", "/legalitas/kedaluwarsa?hari=365"],
  ["import", "operator", "/umkm/import"],
  ["duplicates", "operator", "/umkm/duplicates"],
  ["field-app", "operator", "/lapangan/"],
  ["owner-new", "owner", "/umkm/new"],
  ["owner-registry", "owner", "/umkm"],
  ["curate", "curator", "/kurasi"],
  ["never-reached", "admin", `/umkm?region=36.74&status=verified&naik_kelas=not_reached:${new Date().getFullYear()}`],
];

for (const [size, viewport] of [["phone", PHONE], ["desktop", DESKTOP]]) {
  test(`every page at ${size} size`, async () => {
    const failures = [];
    for (const [name, who, path] of pages()) {
      const context = await browser.newContext({
        viewport,
        isMobile: size === "phone",
        hasTouch: size === "phone",
        locale: "id-ID",
        storageState: who ? sessions[who] : undefined,
      });
      const page = await context.newPage();
      const load = await measureLoad(page, server.url + path);
      // The field app lists its records once the download is in: check the page as used.
      if (name === "field-app") await page.waitForSelector("ul.field-list li", { timeout: 30_000 });
      weights.push({ page: name, size, bytes: load.bytes, parts: load.parts });
      for (const p of budgetProblems(load)) failures.push(`${name} (${size}): ${p}`);
      for (const p of load.parts) {
        if (p.size > 1024 && !/^(gzip|br|zstd)$/.test(p.encoding)) failures.push(`${name}: ${p.url} not compressed`);
      }
      const overflow = await horizontalOverflow(page);
      if (overflow > 0) failures.push(`${name} (${size}): scrolls sideways by ${overflow}px`);
      for (const v of await seriousA11yViolations(page)) failures.push(`${name} (${size}): ${v}`);
      for (const p of await layoutProblems(page)) failures.push(`${name} (${size}): ${p}`);
      await screenshot(page, `${name}.${size}`);
      await context.close();
    }
    assert.deepEqual(failures, []);
  });
}
