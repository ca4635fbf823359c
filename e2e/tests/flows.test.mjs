// The main tasks, as users do them, once with JavaScript and once without: the pages must not
// need scripts for their main task (issue 4).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startSentra, accounts, PASSWORD } from "../lib/server.mjs";
import { launch, newContext, signIn, screenshot, horizontalOverflow, layoutProblems, PHONE } from "../lib/browser.mjs";

let server, browser;
before(async () => {
  server = await startSentra();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Submits the form `button` belongs to and waits for the next page. */
async function submit(page, button) {
  await Promise.all([page.waitForNavigation(), button.click()]);
}

/** Chooses an option in a select; with scripts the page reloads by itself, without, `fallback` is pressed. */
async function choose(page, js, select, label, fallback) {
  if (js) {
    await Promise.all([page.waitForNavigation(), select.selectOption({ label })]);
  } else {
    await select.selectOption({ label });
    await submit(page, fallback);
  }
}

async function count(page) {
  const text = await page.locator("p.count strong").innerText();
  return Number(text.replace(/\D/g, ""));
}

for (const js of [true, false]) {
  describe(js ? "with JavaScript" : "without JavaScript", () => {
    test("sign in with a wrong password, then the right one, then sign out", async () => {
      const context = await newContext(browser, { js });
      const page = await context.newPage();
      await page.goto(`${server.url}/umkm`);
      assert.match(new URL(page.url()).pathname, /^\/login$/, "a signed-out visit goes to the sign-in page");
      await page.getByLabel("E-mail atau nomor HP").fill(accounts.admin.login);
      await page.getByLabel("Kata sandi").fill("salah-sekali-123");
      await submit(page, page.getByRole("button", { name: "Masuk", exact: true }));
      assert.equal(await page.getByRole("alert").innerText(), "Nama masuk atau kata sandi salah.");
      assert.equal(await page.getByLabel("E-mail atau nomor HP").inputValue(), accounts.admin.login, "the login is kept");
      await page.getByLabel("Kata sandi").fill(PASSWORD);
      await submit(page, page.getByRole("button", { name: "Masuk", exact: true }));
      assert.equal(new URL(page.url()).pathname, "/umkm", "back to the page first asked for");
      assert.match(await page.locator("header").innerText(), /Admin Uji \(Admin\)/);
      await submit(page, page.getByRole("button", { name: "Keluar", exact: true }));
      assert.equal(new URL(page.url()).pathname, "/login");
      await page.goto(`${server.url}/umkm`);
      assert.equal(new URL(page.url()).pathname, "/login", "the session is over");
      await context.close();
    });

    test("registry list: drill down to a kecamatan and a kelurahan, filter, open a record", async () => {
      const context = await newContext(browser, { js });
      const page = await context.newPage();
      await signIn(page, server.url, accounts.admin.login);
      await page.goto(`${server.url}/umkm`);
      const all = await count(page);
      assert.ok(all >= 150, `all UMKM: ${all}`);
      const apply = page.getByRole("button", { name: "Terapkan" });
      await choose(page, js, page.getByLabel("Kecamatan"), "Pondok Aren", apply);
      assert.match(page.url(), /district=36\.74\.03/);
      const inDistrict = await count(page);
      assert.ok(inDistrict > 0 && inDistrict < all, `${inDistrict} of ${all}`);
      for (const place of await page.locator("td[data-label='Lokasi']").allInnerTexts()) {
        assert.match(place, /Pondok Aren/);
      }
      // The drill-down offers the kelurahan of Pondok Aren only.
      const villages = page.getByLabel("Desa/kelurahan");
      const options = (await villages.locator("option").allInnerTexts()).slice(1);
      assert.ok(options.length >= 5 && options.includes("Jurangmangu Barat"), options.join(", "));
      await choose(page, js, villages, options[0], apply);
      const inVillage = await count(page);
      assert.ok(inVillage <= inDistrict, `${inVillage} of ${inDistrict}`);
      await page.goto(`${server.url}/umkm?district=36.74.03`);
      await page.getByLabel("Status").selectOption({ label: "Draf" });
      await submit(page, apply);
      const drafts = await count(page);
      assert.ok(drafts <= inDistrict);
      for (const s of await page.locator("td[data-label='Status']").allInnerTexts()) assert.equal(s, "Draf");
      const first = page.locator("tbody a").first();
      const name = await first.innerText();
      await submit(page, first);
      assert.equal(await page.locator("h1").innerText(), `${name} Draf`);
      await context.close();
    });

    test("register a UMKM: a wrong NIK is named and kept, corrected, saved, then edited", async () => {
      const context = await newContext(browser, { js, viewport: PHONE, isMobile: true });
      const page = await context.newPage();
      await signIn(page, server.url, accounts.operator.login);
      await page.goto(`${server.url}/umkm/new`);
      const name = js ? "Keripik Tempe Bu Rina" : "Keripik Tempe Bu Rina (tanpa JS)";
      await page.getByLabel("Nama usaha").fill(name);
      await page.getByLabel("Sektor").selectOption({ label: "Kuliner" });
      await page.getByLabel("Modal usaha (di luar tanah dan bangunan)").fill("Rp 25 jt");
      await page.getByLabel("Nama pemilik").fill("Rina Marlina");
      await page.getByLabel("NIK pemilik").fill("3674 0355 0690");
      await page.getByLabel("Telepon/WhatsApp").fill("0812-1111-2222");
      const refresh = page.getByRole("button", { name: "Tampilkan pilihan wilayah" });
      const kelurahan = page.getByLabel("Desa/kelurahan");
      // An operator of one kecamatan starts there: only the kelurahan is left to choose.
      assert.equal(await page.getByLabel("Kecamatan").inputValue(), "36.74.03");
      await choose(page, js, kelurahan, "Jurangmangu Barat", refresh);
      await submit(page, page.getByRole("button", { name: "Simpan" }));

      if (js) await screenshot(page, "umkm-new-errors.phone");
      const summary = page.getByRole("alert");
      assert.match(await summary.innerText(), /NIK pemilik: .*16 digit/);
      const nik = page.getByLabel("NIK pemilik");
      assert.equal(await nik.getAttribute("aria-invalid"), "true");
      const describedBy = (await nik.getAttribute("aria-describedby")).split(" ");
      const described = await page.locator(`#${describedBy[0]}`).innerText();
      assert.match(await page.locator(`#${describedBy[1]}`).innerText(), /terenkripsi/, "and why it is asked");
      assert.match(described, /16 digit/);
      if (js) assert.equal(await page.evaluate(() => document.activeElement.id), "errors", "focus moves to the summary");
      assert.equal(await page.getByLabel("Nama usaha").inputValue(), name, "what was typed is kept");
      assert.equal(await nik.inputValue(), "3674 0355 0690");
      // The summary's link leads to the field.
      await summary.getByRole("link").first().click();
      assert.equal(await page.evaluate(() => document.activeElement.id), "f-nik");

      await nik.fill("3674035506900002");
      await submit(page, page.getByRole("button", { name: "Simpan" }));
      if (!js) {
        // The run with JavaScript registered this owner's business already: it is shown by
        // name and kelurahan beside what was typed before anything is saved.
        const likely = await page.locator("#likely").innerText();
        assert.match(likely, /Mungkin sudah terdaftar/);
        assert.match(likely, /Keripik Tempe Bu Rina Jaya, Jurangmangu Barat, Pondok Aren/);
        assert.match(likely, /NIK sama/);
        await screenshot(page, "umkm-likely.phone");
        assert.deepEqual(await layoutProblems(page), [], "the comparison fits a phone");
        assert.equal(await horizontalOverflow(page), 0, "nothing runs off the screen");
        await submit(page, page.getByRole("button", { name: /simpan sebagai usaha baru/ }));
      }
      assert.match(new URL(page.url()).pathname, /^\/umkm\/[0-9a-z-]+$/);
      assert.match(await page.getByRole("status").innerText(), /UMKM terdaftar/);
      assert.equal(await page.locator("h1").innerText(), `${name} Draf`);
      const detail = await page.locator("main").innerText();
      assert.match(detail, /Rp25\.000\.000/);
      assert.match(detail, /3674••••••••••••/, "the NIK is shown masked");
      assert.match(detail, /Jurangmangu Barat/);

      await submit(page, page.getByRole("link", { name: "Ubah data" }));
      await page.getByLabel("Nama usaha").fill(`${name} Jaya`);
      await page.getByLabel("Tenaga kerja laki-laki").fill("2");
      await submit(page, page.getByRole("button", { name: "Simpan" }));
      assert.match(await page.getByRole("status").innerText(), /Perubahan tersimpan/);
      assert.equal(await page.locator("h1").innerText(), `${name} Jaya Draf`);
      assert.match(await page.locator("main").innerText(), /2 laki-laki/);
      await context.close();
    });

    test("switch between Indonesian and English; the choice is remembered", async () => {
      const context = await newContext(browser, { js });
      const page = await context.newPage();
      await signIn(page, server.url, accounts.viewer.login);
      await page.goto(`${server.url}/umkm`);
      assert.equal(await page.locator("html").getAttribute("lang"), "id");
      assert.match(await page.locator("h1").innerText(), /^Registri UMKM/);
      await submit(page, page.getByRole("link", { name: "English" }));
      assert.equal(await page.locator("html").getAttribute("lang"), "en");
      assert.match(await page.locator("h1").innerText(), /^UMKM registry/);
      await page.goto(`${server.url}/umkm?district=36.74.01`);
      assert.match(await page.locator("h1").innerText(), /^UMKM registry/, "English stays on");
      assert.ok(await page.getByLabel("District").isVisible());
      await submit(page, page.getByRole("link", { name: "Bahasa Indonesia" }));
      assert.match(await page.locator("h1").innerText(), /^Registri UMKM/);
      await context.close();
    });

    test("an owner signs up with a phone number and registers the business as a draft", async () => {
      const context = await newContext(browser, { js, viewport: PHONE, isMobile: true });
      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await submit(page, page.getByRole("link", { name: "Pemilik UMKM? Daftar di sini" }));
      const phone = js ? "0813 2222 0001" : "0813 2222 0002";
      await page.getByLabel("Nama lengkap").fill("Ibu Sari");
      await page.getByLabel("Telepon/WhatsApp").fill(phone);
      await page.getByLabel("Kata sandi").fill("pendek");
      await submit(page, page.getByRole("button", { name: "Buat akun" }));
      assert.match(await page.getByRole("alert").innerText(), /Kata sandi/);
      assert.equal(await page.getByLabel("Telepon/WhatsApp").inputValue(), phone, "the phone is kept");
      await page.getByLabel("Kata sandi").fill("sandi-pemilik-2026");
      await submit(page, page.getByRole("button", { name: "Buat akun" }));
      assert.equal(new URL(page.url()).pathname, "/umkm/new");
      // Her first form is short: her name and phone are carried over from signing up, why
      // the NIK is asked is said before she types it, the rest is folded until she wants it.
      assert.equal(await page.getByLabel("Nama pemilik").inputValue(), "Ibu Sari");
      assert.equal(await page.getByLabel("Telepon/WhatsApp").inputValue(), phone.replaceAll(" ", "-"));
      assert.match(await page.locator("#h-nik").innerText(), /terenkripsi/);
      assert.equal(await page.getByLabel("NIB Nomor").isVisible(), false, "legality waits, folded");
      if (js) await screenshot(page, "owner-first-form.phone");
      await page.getByLabel("Nama usaha").fill(`Tenun Sari ${js ? "A" : "B"}`);
      await page.getByLabel("Sektor").selectOption({ label: "Kriya" });
      await page.getByLabel("NIK pemilik").fill(js ? "3674036505850003" : "3674036505850004");
      await page.getByText("WhatsApp, toko daring dan media sosial").click();
      await page.getByLabel("WhatsApp", { exact: true }).fill(phone);
      await page.getByLabel("Instagram").fill("@tenun.sari");
      const refresh = page.getByRole("button", { name: "Tampilkan pilihan wilayah" });
      await choose(page, js, page.getByLabel("Kecamatan"), "Serpong", refresh);
      await choose(page, js, page.getByLabel("Desa/kelurahan"), "Rawa Mekar Jaya", refresh);
      await submit(page, page.getByRole("button", { name: "Simpan" }));
      assert.equal(await page.getByRole("alert").count(), 0, await page.locator("main").innerText());
      assert.match(await page.getByRole("status").innerText(), /UMKM terdaftar/);
      assert.match(await page.locator("main").innerText(), /https:\/\/www\.instagram\.com\/tenun\.sari/);
      await page.goto(`${server.url}/umkm`);
      assert.equal(await count(page), 1, "an owner sees only their own business");
      await context.close();
    });
  });
}

test("the registry's CSV download carries the list's filters", async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, server.url, accounts.admin.login);
  await page.goto(`${server.url}/umkm?district=36.74.03&status=verified`);
  const listed = await count(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "CSV" }).click(),
  ]);
  assert.equal(await download.failure(), null);
  assert.match(download.suggestedFilename(), /^umkm-\d{8}-\d{4}\.csv$/);
  const text = readFileSync(await download.path(), "utf8").replace(/^\uFEFF/, "");
  const lines = text.trim().split("\n");
  assert.match(lines[0], /^ID,Nama Usaha,Merek,Nama Pemilik,NIK/);
  assert.equal(lines.length - 1, listed, "as many rows as the list counts");
  // The status as people read it, and its code in the last column for programs.
  assert.ok(
    lines
      .slice(1)
      .every((l) => l.includes("Pondok Aren") && l.includes(",Terverifikasi,") && /,verified\r?$/.test(l)),
  );
  await context.close();
});

test("the sign-in form and the registry work by keyboard alone", async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${server.url}/login?next=%2Fumkm`);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Langsung ke isi");
  await page.keyboard.press("Enter");
  let tabs = 0;
  while ((await page.evaluate(() => document.activeElement.id)) !== "f-login" && tabs++ < 20) {
    await page.keyboard.press("Tab");
  }
  await page.keyboard.type(accounts.admin.login);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL(/\/umkm$/), page.keyboard.press("Enter")]);
  // From the skip link, Tab reaches the first filter, then the results.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.name), "district");
  await context.close();
});
