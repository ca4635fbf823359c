// The field app on a phone (issue 12): installed once online, then registrations with photos
// made without signal survive a reload, and are sent once when the signal returns; a record
// changed in the office meanwhile is settled field by field; a link that drops every other
// request still delivers everything exactly once; a photo is made to fit what the server takes
// and stays on the phone, in view, until the server has it. Also measures what the app costs a phone:
// its download on first install and the data kept per 1,000 UMKM.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startSentra, accounts } from "../lib/server.mjs";
import { launch, signIn, screenshot, PHONE, artefacts } from "../lib/browser.mjs";

let server, browser;
const figures = {};

before(async () => {
  // A city of 1,000 UMKM, so the admin's phone holds a thousand records to weigh.
  server = await startSentra({ umkm: 1000 });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (Object.keys(figures).length) {
    mkdirSync(artefacts, { recursive: true });
    writeFileSync(join(artefacts, "field-figures.json"), JSON.stringify(figures, null, 2));
  }
});

/** A phone: small screen, touch, a GPS fix in Pondok Aren. */
async function phone({ serviceWorkers = "allow" } = {}) {
  return browser.newContext({
    viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 1, locale: "id-ID",
    permissions: ["geolocation"], geolocation: { latitude: -6.2712, longitude: 106.7033, accuracy: 12 },
    serviceWorkers,
  });
}

/** Opens the app online and waits until its data is on the phone and its files are cached. */
async function install(page, who) {
  await signIn(page, server.url, accounts[who].login);
  await page.goto(`${server.url}/lapangan/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => caches.keys().then((k) => k.some((x) => x.startsWith("sentra-lapangan-"))));
}

const netText = (page) => page.locator("#net").innerText();

/** A JPEG as a camera would give it (drawn in the page: no image library needed here). */
async function cameraPhoto(page, n) {
  const data = await page.evaluate((n) => {
    const c = document.createElement("canvas");
    c.width = 1024; c.height = 768;
    const g = c.getContext("2d");
    g.fillStyle = `hsl(${n * 97}, 60%, 55%)`; g.fillRect(0, 0, 1024, 768);
    g.fillStyle = "#fff"; g.font = "120px sans-serif"; g.fillText(`Warung ${n}`, 80, 400);
    return c.toDataURL("image/jpeg", 0.92);
  }, n);
  return { name: `foto-${n}.jpg`, mimeType: "image/jpeg", buffer: Buffer.from(data.split(",")[1], "base64") };
}

async function register(page, n, { photo = true } = {}) {
  await page.getByRole("button", { name: "Daftar baru" }).click();
  await page.locator("#umkm-form").getByLabel("Nama usaha").fill(`Warung Lapangan ${n}`);
  await page.locator("#umkm-form").getByLabel("Nama pemilik").fill(`Pemilik Lapangan ${n}`);
  await page.locator("#umkm-form").getByLabel("NIK pemilik").fill(`36740341078500${String(10 + n).padStart(2, "0")}`);
  await page.locator("#umkm-form").getByLabel("Telepon/WhatsApp").fill(`0812 5555 10${String(n).padStart(2, "0")}`);
  const village = page.locator("#umkm-form").getByLabel("Desa/kelurahan");
  await village.selectOption({ index: 1 + (n % 3) });
  await page.locator("#umkm-form").getByLabel("Sektor").selectOption({ index: 1 });
  await page.locator("#umkm-form").getByLabel("Omzet tahunan").fill(`${n * 10} juta`);
  await page.getByRole("button", { name: "Ambil lokasi GPS" }).click();
  await page.waitForFunction(() => document.getElementById("f-latitude").value !== "");
  if (photo) {
    await page.locator("#umkm-form").getByLabel("Foto usaha").setInputFiles(photo === true ? await cameraPhoto(page, n) : photo);
    await page.waitForSelector("#photos img");
  }
  await page.locator("#umkm-form").getByLabel("Catatan lapangan").fill(`Dikunjungi, pemilik ${n} ramah.`);
  await page.getByRole("button", { name: "Simpan di ponsel" }).click();
  await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Tersimpan di ponsel"));
}

/** The operator's records on the server, by name. */
async function onServer(page) {
  const res = await page.request.get(`${server.url}/lapangan/data`);
  assert.equal(res.status(), 200);
  const data = await res.json();
  return data.records;
}

test("first install: the app's download, and the data kept per 1,000 UMKM", async () => {
  // Signed in elsewhere, then a cold start: nothing of the app in the browser's cache yet.
  const signing = await phone();
  const login = await signing.newPage();
  await signIn(login, server.url, accounts.admin.login);
  const storageState = await signing.storageState();
  await signing.close();
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: "id-ID", storageState });
  const page = await context.newPage();
  const sizes = [];
  page.on("requestfinished", async (r) => {
    const u = new URL(r.url());
    if (u.origin !== server.url || !(u.pathname.startsWith("/lapangan/") || u.pathname.startsWith("/static/"))) return;
    const s = await r.sizes();
    sizes.push({ path: u.pathname + u.search, bytes: s.responseBodySize + s.responseHeadersSize });
  });
  await page.goto(`${server.url}/lapangan/`);
  await page.waitForSelector("body[data-ready='1']");
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => caches.keys().then((k) => k.length > 0));
  await page.waitForTimeout(500);
  const app = sizes.filter((s) => !s.path.startsWith("/lapangan/data"));
  const data = sizes.filter((s) => s.path.startsWith("/lapangan/data"));
  const kept = await page.evaluate(async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open("sentra-lapangan"); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const all = (store) => new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
    const records = await all("records");
    const meta = await all("meta");
    db.close();
    const est = await navigator.storage.estimate();
    return { records: records.length, recordBytes: new Blob([JSON.stringify(records)]).size, metaBytes: new Blob([JSON.stringify(meta)]).size, usage: est.usage };
  });
  assert.ok(kept.records >= 900, `the city's records are on the phone: ${kept.records}`);
  const sum = (list) => list.reduce((a, s) => a + s.bytes, 0);
  Object.assign(figures, {
    app_download_bytes: sum(app),
    app_files: app,
    data_download_bytes: sum(data),
    records_on_phone: kept.records,
    record_json_bytes_per_1000: Math.round((kept.recordBytes * 1000) / kept.records),
    lists_json_bytes: kept.metaBytes,
    storage_usage_bytes: kept.usage,
  });
  console.log(`field app: first install ${(sum(app) / 1024).toFixed(1)} KiB transferred (${app.map((a) => `${a.path} ${a.bytes}`).join(", ")}); `
    + `data download ${(sum(data) / 1024).toFixed(1)} KiB for ${kept.records} UMKM; on the phone ${(kept.recordBytes / 1024).toFixed(0)} KiB of records `
    + `(${((kept.recordBytes * 1000) / kept.records / 1024).toFixed(0)} KiB per 1,000) + ${(kept.metaBytes / 1024).toFixed(0)} KiB lists; storage.estimate ${(kept.usage / 1024).toFixed(0)} KiB`);
  assert.ok(sum(app) < 60 * 1024, `the app installs within 60 KiB: ${sum(app)}`);
  await context.close();
});

test("offline: three registrations with photos survive a reload and are sent once", async () => {
  const context = await phone();
  const page = await context.newPage();
  await install(page, "operator");
  await context.setOffline(true);
  assert.match(await netText(page), /Luring/);

  // A mistake is caught on the phone, with the server's words, and nothing is queued.
  await page.getByRole("button", { name: "Daftar baru" }).click();
  await page.locator("#umkm-form").getByLabel("Nama usaha").fill("Warung Salah");
  await page.locator("#umkm-form").getByLabel("NIK pemilik").fill("36740341");
  await page.locator("#umkm-form").getByLabel("Omzet tahunan").fill("banyak");
  await page.getByRole("button", { name: "Simpan di ponsel" }).click();
  const summary = page.locator("#form-errors");
  await summary.waitFor();
  const text = await summary.innerText();
  for (const m of ["NIK pemilik: NIK harus 16 digit.", "Nama pemilik: Wajib diisi.", "Omzet tahunan: Nilai rupiah tidak dapat dibaca"]) {
    assert.ok(text.includes(m), `${m} in ${text}`);
  }
  assert.equal(await page.locator("#umkm-form").getByLabel("NIK pemilik").getAttribute("aria-invalid"), "true");
  await page.getByRole("button", { name: "Batal" }).click();

  for (const n of [1, 2, 3]) await register(page, n);
  assert.match(await netText(page), /6 perubahan menunggu dikirim/);
  await screenshot(page, "field-offline-list.phone");

  // A half-typed registration, then the phone restarts (the page reloads, still offline).
  await page.getByRole("button", { name: "Daftar baru" }).click();
  await page.locator("#umkm-form").getByLabel("Nama usaha").fill("Warung Setengah Jadi");
  await page.waitForTimeout(600);
  await page.reload();
  await page.waitForSelector("body[data-ready='1']");
  assert.equal(await page.locator("#umkm-form").getByLabel("Nama usaha").inputValue(), "Warung Setengah Jadi", "the draft is back");
  assert.match(await page.locator("#message").innerText(), /dipulihkan/);
  await page.getByRole("button", { name: "Batal" }).click();
  for (const n of [1, 2, 3]) {
    assert.equal(await page.locator("#records li", { hasText: `Warung Lapangan ${n}` }).count(), 1);
  }
  assert.match(await netText(page), /6 perubahan menunggu dikirim/);
  await page.getByRole("button", { name: /Antrean kirim/ }).click();
  assert.equal(await page.locator("#outbox li[data-state='waiting']").count(), 6);
  await screenshot(page, "field-outbox.phone");

  // The signal returns: everything goes, once.
  await context.setOffline(false);
  await page.waitForFunction(() => document.getElementById("net").textContent.includes("Semua perubahan sudah terkirim"), null, { timeout: 30_000 });
  assert.equal(await page.locator("#outbox li[data-state='done']").count(), 6);
  const records = await onServer(page);
  for (const n of [1, 2, 3]) {
    const mine = records.filter((r) => r.fields.name === `Warung Lapangan ${n}`);
    assert.equal(mine.length, 1, `Warung Lapangan ${n} once`);
    assert.ok(mine[0].fields.latitude.startsWith("-6.27"), "with its GPS position");
    assert.equal(mine[0].fields.annual_sales, String(n * 10_000_000));
    await page.goto(`${server.url}/umkm/${mine[0].id}`);
    assert.equal(await page.locator("#field-photos img").count(), 1, "its photo");
    assert.match(await page.locator("#field-notes").innerText(), new RegExp(`pemilik ${n} ramah`));
  }
  await context.close();
});

test("a record changed in the office meanwhile is settled field by field", async () => {
  const context = await phone();
  const page = await context.newPage();
  await install(page, "operator");
  const target = (await onServer(page)).find((r) => r.fields.name && !r.fields.name.startsWith("Warung Lapangan"));
  await context.setOffline(true);
  await page.locator("#q").fill(target.fields.name);
  await page.locator("#records li button", { hasText: target.fields.name }).first().click();
  await page.locator("#umkm-form").getByLabel("Omzet tahunan").fill("777 juta");
  await page.getByRole("button", { name: "Simpan di ponsel" }).click();
  await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Tersimpan"));

  // Meanwhile the office corrects the address.
  const office = await browser.newContext({ locale: "id-ID" });
  const desk = await office.newPage();
  await signIn(desk, server.url, accounts.admin.login);
  await desk.goto(`${server.url}/umkm/${target.id}/edit`);
  await desk.getByLabel("Alamat", { exact: true }).fill("Jl. Kantor Kecamatan 1");
  await Promise.all([desk.waitForURL((u) => !u.pathname.endsWith("/edit")), desk.getByRole("button", { name: "Simpan", exact: true }).click()]);
  await office.close();

  await context.setOffline(false);
  await page.waitForFunction(() => document.querySelector("#outbox li[data-state='conflict']"), null, { timeout: 30_000 });
  await page.getByRole("button", { name: /Antrean kirim/ }).click();
  await page.getByRole("button", { name: "Selesaikan" }).click();
  const rows = page.locator("#conflict-form tbody tr");
  assert.equal(await rows.count(), 2, "sales (changed on the phone) and address (changed in the office)");
  // The phone's new sales and the office's address are chosen already.
  assert.ok(await page.locator("#conflict-form tr", { hasText: "Omzet tahunan" }).locator("input[value='phone']").isChecked());
  assert.ok(await page.locator("#conflict-form tr", { hasText: "Alamat" }).locator("input[value='server']").isChecked());
  await screenshot(page, "field-conflict.phone");
  await page.getByRole("button", { name: "Kirim pilihan" }).click();
  await page.waitForFunction(() => document.getElementById("net").textContent.includes("Semua perubahan sudah terkirim"), null, { timeout: 30_000 });
  const now = (await onServer(page)).find((r) => r.id === target.id);
  assert.equal(now.fields.annual_sales, "777000000");
  assert.equal(now.fields.address, "Jl. Kantor Kecamatan 1");
  await context.close();
});

test("a link that drops every other request still delivers everything once", async () => {
  const context = await phone();
  const page = await context.newPage();
  await install(page, "operator");
  await context.setOffline(true);
  for (const n of [4, 5, 6]) await register(page, n);
  // Every other request reaches the server but its answer is lost on the way back: the worst
  // case for duplicates.
  let n = 0, dropped = 0;
  await context.route(/\/lapangan\/(sync|foto|data)/, async (route) => {
    n += 1;
    if (n % 2 === 1) {
      await route.fetch().catch(() => {});
      dropped += 1;
      await route.abort("connectionreset");
    } else {
      await route.continue();
    }
  });
  await context.setOffline(false);
  await page.waitForFunction(() => document.getElementById("net").textContent.includes("Semua perubahan sudah terkirim"), null, { timeout: 90_000 });
  assert.ok(dropped >= 6, `answers lost: ${dropped}`);
  await context.unrouteAll();
  const records = await onServer(page);
  for (const k of [4, 5, 6]) {
    const mine = records.filter((r) => r.fields.name === `Warung Lapangan ${k}`);
    assert.equal(mine.length, 1, `Warung Lapangan ${k} once`);
    await page.goto(`${server.url}/umkm/${mine[0].id}`);
    assert.equal(await page.locator("#field-photos img").count(), 1, `one photo of ${k}`);
  }
  figures.flaky_requests = n;
  figures.flaky_answers_lost = dropped;
  await context.close();
});

/** A camera JPEG full of grain, so that it does not compress to almost nothing. */
async function grainyPhoto(page) {
  const data = await page.evaluate(() => {
    const c = document.createElement("canvas");
    c.width = 1400; c.height = 1050;
    const g = c.getContext("2d");
    const img = g.createImageData(c.width, c.height);
    let x = 12345;
    for (let i = 0; i < img.data.length; i++) { x = (x * 1103515245 + 12345) >>> 0; img.data[i] = i % 4 === 3 ? 255 : x >>> 24; }
    g.putImageData(img, 0, 0);
    return c.toDataURL("image/jpeg", 0.95);
  });
  return { name: "foto-berbutir.jpg", mimeType: "image/jpeg", buffer: Buffer.from(data.split(",")[1], "base64") };
}

/** The field app's queue as the phone keeps it (photos as their sizes in bytes). */
const queued = (page) => page.evaluate(async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("sentra-lapangan"); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const list = await new Promise((ok) => { const r = db.transaction("outbox").objectStore("outbox").getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return list.map((c) => ({ kind: c.kind, state: c.state, photoBytes: c.photo ? atob(c.photo.slice(c.photo.indexOf(",") + 1)).length : 0 }));
});

test("a photo is made to fit and stays on the phone until the server has it", async () => {
  // No service worker: the page itself is changed on its way, to a smaller photo limit.
  const context = await phone({ serviceWorkers: "block" });
  const page = await context.newPage();
  await signIn(page, server.url, accounts.operator.login);
  const limit = 150_000;
  await context.route(`${server.url}/lapangan/`, async (route) => {
    const res = await route.fetch();
    const body = (await res.text()).replace(/"photo_max":\d+/, `"photo_max":${limit}`);
    await route.fulfill({ response: res, body });
  });
  await page.goto(`${server.url}/lapangan/`);
  await page.waitForSelector("body[data-ready='1']");
  await context.setOffline(true);
  const grainy = await grainyPhoto(page);
  assert.ok(grainy.buffer.length > limit, `the camera's file is over the limit: ${grainy.buffer.length}`);
  await register(page, 8, { photo: grainy });
  const [photo] = (await queued(page)).filter((c) => c.kind === "photo");
  assert.ok(photo.photoBytes > 10_000 && photo.photoBytes <= limit, `queued at ${photo.photoBytes} bytes`);

  // The server (or a proxy before it) says 413 twice, then the link drops, until told otherwise.
  let mode = "413", sent = 0;
  await context.route(/\/lapangan\/foto/, async (route) => {
    sent += 1;
    if (mode === "413" && sent <= 2) await route.fulfill({ status: 413, contentType: "text/plain", body: "length limit exceeded" });
    else if (mode === "422") {
      await route.fulfill({ status: 422, contentType: "application/json", body: JSON.stringify({ error: { code: "validation_failed", message: "Periksa isian.", fields: [{ field: "photo", code: "photo_unreadable", message: "gambar rusak atau tidak dapat dibaca." }] } }) });
    } else if (mode === "pass") await route.continue();
    else await route.abort("connectionreset");
  });
  await context.setOffline(false);
  await page.waitForFunction(() => document.querySelector("#outbox li[data-state='done']"), null, { timeout: 30_000 });
  const deadline = Date.now() + 30_000;
  while (sent < 3 && Date.now() < deadline) await page.waitForTimeout(100);
  assert.ok(sent >= 3, `photo sends: ${sent}`);
  let now = await queued(page);
  assert.deepEqual(now.map((c) => [c.kind, c.state]), [["create", "done"], ["photo", "waiting"]]);
  assert.ok(now[1].photoBytes > 0, "the photo is still on the phone");
  await page.getByRole("button", { name: /Antrean kirim/ }).click();
  assert.equal(await page.locator("#outbox li[data-state='waiting'] img").count(), 1, "and in view");

  // A refusal for what the photo is: kept, in view, with the reason, and sent again on request.
  mode = "422";
  await page.waitForSelector("#outbox li[data-state='rejected']", { timeout: 30_000 });
  const refused = page.locator("#outbox li[data-state='rejected']");
  assert.equal(await refused.locator("img").count(), 1);
  assert.match(await refused.innerText(), /gambar rusak/);
  now = await queued(page);
  assert.ok(now[1].photoBytes > 0, "a refused photo is kept");
  await screenshot(page, "field-photo-refused.phone");
  mode = "pass";
  await refused.getByRole("button", { name: "Kirim lagi" }).click();
  await page.waitForFunction(() => document.getElementById("net").textContent.includes("Semua perubahan sudah terkirim"), null, { timeout: 30_000 });
  await context.unrouteAll();
  const mine = (await onServer(page)).filter((r) => r.fields.name === "Warung Lapangan 8");
  assert.equal(mine.length, 1);
  await page.goto(`${server.url}/umkm/${mine[0].id}`);
  assert.equal(await page.locator("#field-photos img").count(), 1, "the photo, once");
  await context.close();
});

test("signing out clears the phone, after a warning about unsent changes", async () => {
  const context = await phone();
  const page = await context.newPage();
  await install(page, "operator");
  await context.setOffline(true);
  await register(page, 7, { photo: false });
  // Back in signal range, but the server cannot be reached.
  await context.route(/\/lapangan\/(sync|data)/, (route) => route.abort("internetdisconnected"));
  await context.setOffline(false);
  let asked = "";
  page.once("dialog", async (d) => { asked = d.message(); await d.dismiss(); });
  await page.getByRole("button", { name: "Keluar" }).click();
  await page.waitForTimeout(300);
  assert.match(asked, /perubahan yang belum terkirim/);
  assert.equal(new URL(page.url()).pathname, "/lapangan/", "stayed: the change is still here");
  await context.unrouteAll();
  await page.getByRole("button", { name: "Kirim sekarang" }).click();
  await page.waitForFunction(() => document.getElementById("net").textContent.includes("Semua perubahan sudah terkirim"), null, { timeout: 30_000 });
  await Promise.all([page.waitForURL(/\/login/), page.getByRole("button", { name: "Keluar" }).click()]);
  const left = await page.evaluate(async () => ({
    dbs: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
  }));
  assert.deepEqual(left, { dbs: [], caches: [] });
  await context.close();
});
