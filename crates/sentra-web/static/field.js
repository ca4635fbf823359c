// Sentra field app (issue 12): registers and edits UMKM on a phone without signal and sends the
// changes when a connection returns. Everything entered is written to IndexedDB before the app
// says "saved"; every change carries a key made here, so a send repeated after a dropped link
// is applied once. The checks below are the server's rules (sentra-domain), run before saving
// so that a mistake is fixed at the door, not days later.
"use strict";
(() => {
  const T = JSON.parse(document.getElementById("field-text").textContent);
  const t = (k, args) => Object.entries(args || {}).reduce((s, [n, v]) => s.split(`%{${n}}`).join(String(v)), T.t[k] || k);
  // The largest photo the server takes (its body limit for photos), given by the page.
  const PHOTO_MAX = T.photo_max || 2 * 1024 * 1024;
  const FIELDS = ["name", "owner_name", "nik", "phone", "address", "village_code", "sector", "modal", "annual_sales", "nib", "latitude", "longitude"];
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };

  // ---------------------------------------------------------------- the server's rules, in JS
  const digitsOnly = (s, sep) => { const d = [...s].filter((c) => !sep(c)).join(""); return /^[0-9]*$/.test(d) ? d : null; };
  const isSpace = (c) => /\s/.test(c);
  const spaceDotDash = (c) => isSpace(c) || c === "." || c === "-";
  // ids.rs PROVINCE_CODES: the 38 provinces of Kepmendagri 2025; no NIK starts otherwise.
  const PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "51", "52", "53",
    "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96"];
  function nikCode(input) {
    const s = input.trim();
    if (!s) return "nik_required";
    const d = digitsOnly(s, spaceDotDash);
    if (d === null) return "nik_not_digits";
    if (d.length !== 16) return "nik_length";
    if ([d.slice(0, 2), d.slice(2, 4), d.slice(4, 6)].includes("00")) return "nik_region";
    if (!PROVINCES.includes(d.slice(0, 2))) return "nik_province";
    let day = Number(d.slice(6, 8));
    const month = Number(d.slice(8, 10)), yy = Number(d.slice(10, 12));
    if (day >= 41 && day <= 71) day -= 40; else if (day < 1 || day > 31) return "nik_birth_date";
    const real = (y) => { const x = new Date(Date.UTC(y, month - 1, day)); return x.getUTCFullYear() === y && x.getUTCMonth() === month - 1 && x.getUTCDate() === day; };
    if (month < 1 || month > 12 || !(real(1900 + yy) || real(2000 + yy))) return "nik_birth_date";
    if (d.slice(12) === "0000") return "nik_serial";
    return null;
  }
  function phoneCode(input) {
    const s = input.trim();
    if (!s) return "phone_required";
    let plus = false, digits = "";
    for (const c of s) {
      if (c >= "0" && c <= "9") digits += c;
      else if (c === "+" && !digits && !plus) plus = true;
      else if ("-.()".includes(c) || isSpace(c)) continue;
      else return "phone_invalid_chars";
    }
    if (!digits) return "phone_required";
    let rest = null;
    if (plus) { if (!digits.startsWith("62")) return "phone_not_indonesian"; rest = digits.slice(2); }
    else if (digits.startsWith("00")) { if (!digits.startsWith("0062")) return "phone_not_indonesian"; rest = digits.slice(4); }
    else if (digits.startsWith("62")) rest = digits.slice(2);
    const national = rest !== null ? (rest.startsWith("0") ? rest.slice(1) : rest) : (digits.startsWith("0") ? digits.slice(1) : digits);
    if (national.startsWith("0")) return "phone_not_indonesian";
    // The operators' prefixes, as the server checks them (sentra-domain phone.rs, MOBILE_PREFIXES).
    if (national.startsWith("8") && !/^8(1[1-9]|2[1-3]|3[1-3]|38|5[1-35-9]|7[78]|8[1-9]|9[5-9])/.test(national)) return "phone_prefix_unknown";
    const [lo, hi] = national.startsWith("8") ? [9, 12] : [7, 12];
    return national.length < lo || national.length > hi ? "phone_length" : null;
  }
  function nibCode(input) {
    const d = digitsOnly(input, isSpace);
    if (d === null) return "nib_not_digits";
    return d.length === 13 ? null : "nib_length";
  }
  // money.rs: "Rp1.500.000", "1,5 juta", "750rb", "2 M" (miliar); whole rupiah up to Rp10 triliun.
  const MAX_RUPIAH = 10n ** 13n;
  function rupiahCode(input) {
    let s = [...input].filter((c) => !isSpace(c)).join("").toLowerCase();
    if (!s) return "rupiah_required";
    let negative = false;
    const minus = (x) => (x.startsWith("-") || x.startsWith("\u2212") ? x.slice(1) : null);
    const strip = (x, list, end) => { for (const p of list) { if (end ? x.endsWith(p) : x.startsWith(p)) return end ? x.slice(0, -p.length) : x.slice(p.length); } return x; };
    if (minus(s) !== null) { negative = true; s = minus(s); }
    s = strip(s, ["rp.", "rp", "idr"], false);
    if (!negative && minus(s) !== null) { negative = true; s = minus(s); }
    s = strip(s, ["rupiah", "rp", "idr"], true);
    s = strip(s, [",-", ".-"], true);
    const m = s.match(/^[0-9.,]*/)[0];
    let unit = s.slice(m.length);
    if (unit.endsWith(".")) unit = unit.slice(0, -1);
    const exps = { "": 0, rb: 3, ribu: 3, k: 3, jt: 6, juta: 6, m: 9, miliar: 9, milyar: 9, t: 12, triliun: 12, trilyun: 12 };
    if (!(unit in exps)) return "rupiah_invalid";
    const exp = exps[unit];
    let integer = m, fraction = "";
    if (m.includes(",")) {
      [integer, fraction] = [m.slice(0, m.indexOf(",")), m.slice(m.indexOf(",") + 1)];
      if (!fraction || !/^[0-9]+$/.test(fraction)) return "rupiah_invalid";
    } else if (m.includes(".")) {
      const [a, b] = [m.slice(0, m.indexOf(".")), m.slice(m.indexOf(".") + 1)];
      if (b.length >= 1 && b.length <= 2 && /^[0-9]+$/.test(b)) [integer, fraction] = [a, b];
    }
    if (!integer) return "rupiah_invalid";
    const grouped = integer.includes(".");
    let value = 0n;
    const groups = integer.split(".");
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      const ok = !grouped || (i === 0 ? g.length >= 1 && g.length <= 3 : g.length === 3);
      if (!ok || !/^[0-9]*$/.test(g)) return "rupiah_invalid";
      for (const c of g) { value = value * 10n + BigInt(c); if (value > MAX_RUPIAH) return "rupiah_too_large"; }
    }
    fraction = fraction.replace(/0+$/, "");
    if (fraction.length > exp) return "rupiah_fraction";
    const amount = value * 10n ** BigInt(exp) + (fraction ? BigInt(fraction) * 10n ** BigInt(exp - fraction.length) : 0n);
    if (amount > MAX_RUPIAH) return "rupiah_too_large";
    return negative ? "rupiah_negative" : null;
  }
  function degrees(input) {
    let s = input.trim();
    if (s.endsWith("°")) s = s.slice(0, -1).trimEnd();
    const u = s.startsWith("-") || s.startsWith("+") ? s.slice(1) : s;
    const digits = (u.match(/[0-9]/g) || []).length, seps = (u.match(/[.,]/g) || []).length;
    if (digits === 0 || seps > 1 || digits + seps !== u.length) return null;
    return Number(s.replace(",", "."));
  }
  function textCode(input, max, required) {
    const s = input.trim();
    if (!s) return required ? "required" : null;
    if ([...s].length > max) return "text_too_long";
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(s)) return "text_invalid_chars";
    if (required && [...s.split(/\s+/).join(" ")].length < 2) return "text_too_short";
    return null;
  }
  /** Problems of a record as [field, code], in the server's order (validate_umkm). */
  function validate(f, original) {
    const out = [];
    const add = (field, code) => { if (code) out.push([field, code]); };
    const kept = (k) => original && f[k] === original[k] && f[k].includes("•");
    add("name", textCode(f.name, 200, true));
    add("owner_name", textCode(f.owner_name, 200, true));
    if (!kept("nik")) add("nik", nikCode(f.nik));
    if (!kept("phone") && f.phone.trim()) add("phone", phoneCode(f.phone));
    add("address", textCode(f.address, 500, false));
    if (!f.village_code) add("village_code", "region_required");
    else if (!villages.has(f.village_code)) add("village_code", "region_out_of_scope");
    const [la, lo] = [f.latitude.trim(), f.longitude.trim()];
    if (la && !lo) add("longitude", "coordinates_incomplete");
    else if (!la && lo) add("latitude", "coordinates_incomplete");
    else if (la && lo) {
      const [a, b] = [degrees(la), degrees(lo)];
      if (a === null || b === null || !isFinite(a) || !isFinite(b)) add("latitude", "coordinates_invalid");
      else if (a < -11.5 || a > 6.5 || b < 94.5 || b > 141.5) add("latitude", "coordinates_outside_indonesia");
    }
    if (!f.sector) add("sector", "required");
    else if (!sectors.has(f.sector)) add("sector", "sector_unknown");
    if (f.modal.trim()) add("modal", rupiahCode(f.modal));
    if (f.annual_sales.trim()) add("annual_sales", rupiahCode(f.annual_sales));
    if (f.nib.trim()) add("nib", nibCode(f.nib));
    return out;
  }

  // ---------------------------------------------------------------- storage on the phone
  const DB = "sentra-lapangan";
  const request = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  let dbp = null;
  function openDb() {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      const d = r.result;
      d.createObjectStore("meta");
      d.createObjectStore("records", { keyPath: "lid" });
      d.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
    };
    return request(r);
  }
  /** One transaction over all stores; resolves when it is on disk (oncomplete). */
  async function write(fn) {
    const d = await dbp;
    const x = d.transaction(["meta", "records", "outbox"], "readwrite", { durability: "strict" });
    const done = new Promise((ok, fail) => { x.oncomplete = ok; x.onerror = () => fail(x.error); x.onabort = () => fail(x.error || new Error("abort")); });
    fn({ meta: x.objectStore("meta"), records: x.objectStore("records"), outbox: x.objectStore("outbox") });
    await done;
  }
  async function readAll() {
    const d = await dbp;
    const x = d.transaction(["meta", "records", "outbox"]);
    const [data, draft, recs, changes] = await Promise.all([
      request(x.objectStore("meta").get("data")), request(x.objectStore("meta").get("draft")),
      request(x.objectStore("records").getAll()), request(x.objectStore("outbox").getAll()),
    ]);
    meta = data || null;
    records = new Map(recs.map((r) => [r.lid, r]));
    outbox = changes;
    villages = new Map((meta?.villages || []).map((v) => [v[0], v]));
    sectors = new Map(meta?.sectors || []);
    return draft;
  }
  const newKey = () => {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return [...b].map((x) => x.toString(16).padStart(2, "0")).join("").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
  };

  let meta = null, records = new Map(), outbox = [], villages = new Map(), sectors = new Map();
  let editing = null, photos = [], syncing = false, retryTimer = null, retryDelay = 1000, signedOut = false, tokenChecked = false;

  // ---------------------------------------------------------------- talking to the server
  class SignedOut extends Error {}
  class Unreachable extends Error {}
  async function call(url, init) {
    let res;
    try { res = await fetch(url, { credentials: "same-origin", cache: "no-store", ...init }); } catch (e) { throw new Unreachable(String(e)); }
    if (res.redirected || new URL(res.url).pathname === "/login" || res.status === 401 || res.status === 403) throw new SignedOut();
    if (res.status >= 500) throw new Unreachable(String(res.status));
    let body = null;
    try { body = await res.json(); } catch (e) { if (res.ok) throw new SignedOut(); }
    return { status: res.status, ok: res.ok, body };
  }
  const headers = (type) => ({ "content-type": type, "x-csrf-token": meta?.csrf || "" });
  function bytesOf(dataUrl) {
    const raw = atob(dataUrl.slice(dataUrl.indexOf(",") + 1));
    const b = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) b[i] = raw.charCodeAt(i);
    return b;
  }
  const blobOf = (dataUrl) => new Blob([bytesOf(dataUrl)], { type: "image/jpeg" });
  const dataUrlOf = (blob) => new Promise((ok, fail) => { const fr = new FileReader(); fr.onload = () => ok(fr.result); fr.onerror = () => fail(fr.error); fr.readAsDataURL(blob); });
  const later = (c) => outbox.some((o) => o.lid === c.lid && o.seq > c.seq && o.state !== "done" && o.kind !== "photo");
  const differing = (a, b) => FIELDS.filter((f) => String(a[f] ?? "").trim() !== String(b[f] ?? "").trim());

  /** Sends one change: true when the server has it, "later" when the server did not take it
   * now (too large, busy) and it stays queued, false when it must wait for the operator
   * (refused, conflict). Nothing is taken off the phone but on the server's acknowledgement. */
  async function send(c, rec) {
    // Kept before the server's limit was known (or before it was lowered): made to fit first.
    if (c.kind === "photo" && bytesOf(c.photo).length > PHOTO_MAX) {
      const fitted = await fit(blobOf(c.photo), PHOTO_MAX).catch(() => null);
      if (fitted) c.photo = await dataUrlOf(fitted);
    }
    c.tries = (c.tries || 0) + 1;
    await write((s) => s.outbox.put(c));
    const r = c.kind === "photo"
      ? await call(`/lapangan/foto?umkm=${encodeURIComponent(rec.id)}&key=${encodeURIComponent(c.key)}`, { method: "POST", headers: headers("image/jpeg"), body: bytesOf(c.photo) })
      : await call("/lapangan/sync", {
          method: "POST", headers: headers("application/json"),
          body: JSON.stringify({ key: c.key, kind: c.kind, id: rec.id || undefined, version: c.kind === "update" ? rec.version : undefined, fields: c.fields, note: c.note || "" }),
        });
    c.problem = null;
    if (r.ok) {
      c.state = "done"; c.done_at = new Date().toISOString();
      if (c.kind === "photo") c.photo = null; // sent: the phone need not keep it
      if (r.body?.record) {
        const server = r.body.record;
        Object.assign(rec, { id: server.id, version: server.version, status: server.status, base: server.fields });
        if (!later(c)) rec.fields = server.fields;
      }
      c.duplicates = r.body?.duplicates || [];
      await write((s) => { s.outbox.put(c); s.records.put(rec); });
      return true;
    }
    if (r.status === 409 && r.body?.server) {
      const server = r.body.server;
      // Changed on the server only in fields the phone does not edit: nothing to settle.
      if (differing(c.fields, server.fields).length === 0) {
        Object.assign(rec, { version: server.version, base: server.fields });
        Object.assign(c, { key: newKey(), tries: 0 });
        await write((s) => { s.outbox.put(c); s.records.put(rec); });
        return send(c, rec);
      }
      Object.assign(c, { state: "conflict", server });
      await write((s) => s.outbox.put(c));
      return false;
    }
    const e = r.body?.error || {};
    // Not taken now, but nothing said against what it holds: it waits and is sent again.
    if ([408, 413, 425, 429].includes(r.status)) {
      if (r.status === 413 && c.kind === "photo" && (c.shrunk || 0) < 3) {
        // The server takes less than the page said (a proxy, a changed limit): a smaller copy,
        // a few times at most, so that a wrong limit does not grind the photo to nothing.
        const smaller = await fit(blobOf(c.photo), Math.floor(bytesOf(c.photo).length * 0.7)).catch(() => null);
        if (smaller) {
          Object.assign(c, { photo: await dataUrlOf(smaller), shrunk: (c.shrunk || 0) + 1 });
          await write((s) => s.outbox.put(c));
          return send(c, rec);
        }
      }
      c.problem = t("held", { why: e.message || r.status });
      await write((s) => s.outbox.put(c));
      return "later";
    }
    // Refused for what it holds: kept, with the reason, for the operator to fix or send again.
    const field = (f) => (f === "documents.nib.number" ? "nib" : f === "key" ? "" : f);
    const fields = (e.fields || []).map((f) => ({ field: field(f.field), message: f.message }));
    Object.assign(c, { state: "rejected", errors: fields.length ? fields : [{ field: "", message: e.message || String(r.status) }] });
    await write((s) => s.outbox.put(c));
    return false;
  }

  /** Sends what waits, in the order it was made; stops at a dropped link and tries again
   * later (at once again after a send that got through: a flaky link still makes headway). */
  async function sync() {
    if (syncing || !meta) return;
    if (!navigator.onLine) { render(); return; }
    syncing = true;
    clearTimeout(retryTimer);
    say(t("sending"));
    const checkedBefore = tokenChecked;
    let progressed = false, again = false;
    try {
      if (!tokenChecked) {
        const r = await call("/lapangan/data?ringkas=1");
        meta.csrf = r.body.csrf;
        await write((s) => s.meta.put(meta, "data"));
        tokenChecked = true;
        signedOut = false;
      }
      const blocked = new Set();
      let held = null;
      for (const c of [...outbox].sort((a, b) => a.seq - b.seq)) {
        if (c.state === "done") continue;
        const rec = records.get(c.lid);
        // A record's changes go in order; a photo that waits holds up nothing after it.
        if (c.state !== "waiting" || blocked.has(c.lid) || !rec || (c.kind !== "create" && !rec.id)) { if (c.kind !== "photo") blocked.add(c.lid); continue; }
        const sent = await send(c, rec);
        progressed = true;
        if (sent === "later") held = c.problem;
        if (sent !== true && c.kind !== "photo") blocked.add(c.lid);
        render();
      }
      if (held) {
        say(held);
        retryTimer = setTimeout(sync, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 60000);
      } else {
        retryDelay = 1000;
        say(pending().length ? "" : t("all_sent"));
      }
    } catch (e) {
      if (e instanceof SignedOut && checkedBefore) {
        // The token may be from an earlier session: fetch a fresh one, once, before giving up.
        tokenChecked = false;
        again = true;
      } else if (e instanceof SignedOut) {
        signedOut = true;
        say("");
      } else {
        if (progressed) retryDelay = 1000;
        say(t("retry_in", { s: Math.round(retryDelay / 1000) }));
        retryTimer = setTimeout(sync, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 60000);
      }
    } finally {
      syncing = false;
      render();
    }
    if (again) return sync();
  }

  async function download(region) {
    say(t("downloading"));
    let r;
    try { r = await call(`/lapangan/data${region ? `?wilayah=${encodeURIComponent(region)}` : ""}`); }
    catch (e) { if (e instanceof SignedOut) signedOut = true; say(t("download_failed")); render(); return; }
    const d = r.body;
    const keep = new Set(outbox.filter((c) => c.state !== "done").map((c) => c.lid));
    const keptIds = new Set([...keep].map((l) => records.get(l)?.id).filter(Boolean));
    const { records: list, ...rest } = d;
    await write((s) => {
      s.meta.put(rest, "data");
      s.records.clear();
      for (const lid of keep) if (records.has(lid)) s.records.put(records.get(lid));
      for (const x of list) if (!keptIds.has(x.id)) s.records.put({ lid: x.id, id: x.id, version: x.version, status: x.status, fields: x.fields, base: x.fields });
      // Sent changes are history once the server's copy is here.
      for (const c of outbox) if (c.state === "done") s.outbox.delete(c.seq);
    });
    await readAll();
    signedOut = false;
    tokenChecked = true;
    say(t("downloaded", { n: records.size, at: when(meta.downloaded_at) }));
    fillSelects();
    render();
  }

  // ---------------------------------------------------------------- photos and position
  /** A JPEG of the picture of at most `max` bytes: 1600 px on the long side at most, the
   * quality lowered step by step, then the size, until it fits (what does not fit is never
   * queued, so the server does not refuse it for its size later). */
  async function fit(source, max) {
    const bmp = await createImageBitmap(source, { imageOrientation: "from-image" });
    try {
      let scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
      for (let round = 0; ; round++) {
        const [w, h] = [Math.round(bmp.width * scale), Math.round(bmp.height * scale)];
        if (Math.min(w, h) < 200) throw new Error(round ? "photo_unfit" : "photo_too_small");
        const canvas = el("canvas", { width: w, height: h });
        canvas.getContext("2d").drawImage(bmp, 0, 0, w, h);
        // Drawn again, the photo keeps no EXIF: no GPS of the owner's home inside the file.
        for (const q of [0.8, 0.7, 0.6, 0.5, 0.4]) {
          const blob = await new Promise((ok) => canvas.toBlob(ok, "image/jpeg", q));
          if (!blob) throw new Error("photo_unfit");
          if (blob.size <= max) return blob;
        }
        scale *= 0.75;
      }
    } finally {
      bmp.close?.();
    }
  }
  const shrink = async (file) => dataUrlOf(await fit(file, PHOTO_MAX));
  function gps() {
    if (!navigator.geolocation) { $("gps-state").textContent = t("gps_fail", { why: "-" }); return; }
    $("gps-state").textContent = t("gps_wait");
    navigator.geolocation.getCurrentPosition((p) => {
      form.latitude.value = p.coords.latitude.toFixed(6);
      form.longitude.value = p.coords.longitude.toFixed(6);
      $("gps-state").textContent = t("gps_ok", { m: Math.round(p.coords.accuracy) });
      keepDraft();
    }, (e) => { $("gps-state").textContent = t("gps_fail", { why: e.message }); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  // ---------------------------------------------------------------- the form
  const form = $("umkm-form");
  const readForm = () => Object.fromEntries(FIELDS.map((f) => [f, form[f].value]));
  function fillSelects() {
    const v = form.village_code, s = form.sector, a = $("area");
    v.replaceChildren(el("option", { value: "", text: "—" }));
    const byDistrict = new Map();
    for (const [code, name, , district] of villages.values()) {
      if (!byDistrict.has(district)) byDistrict.set(district, el("optgroup", { label: district }));
      byDistrict.get(district).append(el("option", { value: code, text: name }));
    }
    v.append(...byDistrict.values());
    s.replaceChildren(el("option", { value: "", text: "—" }), ...[...sectors].map(([c, n]) => el("option", { value: c, text: n })));
    const districts = new Map([...villages.values()].map((x) => [x[2], x[3]]));
    a.replaceChildren(a.firstElementChild || el("option", { value: "" }), ...[...districts].map(([c, n]) => el("option", { value: c, text: n })));
    if (meta?.region && meta.region !== meta.scope) a.value = meta.region;
  }
  function openForm(rec, draft) {
    say("");
    editing = rec || null;
    photos = draft?.photos || [];
    const values = draft?.values || rec?.fields || {};
    for (const f of FIELDS) form[f].value = values[f] ?? "";
    form.note.value = draft?.note || "";
    $("form-title").textContent = rec ? $("form-title").dataset.editTitle : $("form-title").dataset.newTitle;
    $("masked-hint").hidden = !rec;
    $("gps-state").textContent = "";
    showErrors([]);
    showPhotos();
    show("form");
  }
  function showPhotos() {
    const kept = editing ? outbox.filter((c) => c.kind === "photo" && c.lid === editing.lid && c.photo) : [];
    $("photos").replaceChildren(
      ...kept.map((c, i) => el("img", { src: c.photo, alt: `${T.labels.photo} ${i + 1}` })),
      ...photos.map((p, i) => el("span", {}, el("img", { src: p, alt: `${T.labels.photo} ${kept.length + i + 1}` }),
        el("button", { type: "button", class: "link", text: t("remove"), onclick: () => { photos.splice(i, 1); showPhotos(); keepDraft(); } }))),
    );
  }
  function showErrors(list) {
    const box = $("form-errors");
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
    for (const p of form.querySelectorAll("p.field-error")) p.remove();
    box.hidden = list.length === 0;
    const ul = box.querySelector("ul");
    ul.replaceChildren(...list.map(({ field, message }) => {
      const input = form[field];
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.closest("p").append(el("p", { class: "field-error", id: `err-${field}`, text: message }));
      }
      return el("li", {}, input ? el("a", { href: `#f-${field}`, text: `${T.labels[field] || field}: ${message}` }) : `${message}`);
    }));
    if (list.length) box.focus();
  }
  let draftTimer = null;
  function keepDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => write((s) => s.meta.put({ lid: editing?.lid || null, values: readForm(), note: form.note.value, photos }, "draft")), 300);
  }
  async function save(ev) {
    ev.preventDefault();
    const fields = readForm();
    const note = form.note.value.trim();
    const problems = validate(fields, editing?.fields);
    if (note.length > 2000) problems.push(["note", "text_too_long"]);
    showErrors(problems.map(([field, code]) => ({ field, message: T.errors[code] || code })));
    if (problems.length) return;
    const now = new Date().toISOString();
    const rec = editing ? { ...editing, fields } : { lid: `n-${newKey()}`, id: null, version: null, status: "draft", fields, base: null };
    const changes = [];
    // A change not sent yet (or refused) takes the new values; one already tried is left as it
    // was sent, and a new change follows it.
    const open = outbox.find((c) => c.lid === rec.lid && c.kind !== "photo" && ((c.state === "waiting" && !c.tries) || c.state === "rejected"));
    if (open) {
      Object.assign(open, { fields, note: [open.note, note].filter(Boolean).join("\n"), state: "waiting", tries: 0, errors: null, key: newKey(), at: now });
      changes.push(open);
    } else if (!editing || differing(editing.fields, fields).length || note) {
      changes.push({ key: newKey(), lid: rec.lid, kind: editing ? "update" : "create", fields, note, state: "waiting", tries: 0, at: now });
    }
    for (const p of photos) changes.push({ key: newKey(), lid: rec.lid, kind: "photo", photo: p, state: "waiting", tries: 0, at: now });
    clearTimeout(draftTimer);
    await write((s) => {
      s.records.put(rec);
      for (const c of changes) (c.seq ? s.outbox.put(c) : s.outbox.add(c));
      s.meta.delete("draft");
    });
    await readAll();
    photos = [];
    editing = null;
    say(t("saved"));
    show("list");
    sync();
  }

  // ---------------------------------------------------------------- settling a conflict
  let settling = null;
  function nameOf(f, v) {
    if (f === "village_code") return villages.get(v)?.[1] || v;
    if (f === "sector") return sectors.get(v) || v;
    return v || "—";
  }
  function openConflict(c) {
    settling = c;
    const rec = records.get(c.lid);
    const server = c.server.fields;
    const rows = differing(c.fields, server).map((f) => {
      // Untouched on the phone (still as downloaded): the server's newer value is the default.
      const phone = !(rec.base && String(c.fields[f]) === String(rec.base[f]));
      const pick = (side, value, checked) => el("td", { "data-label": side === "phone" ? t("on_phone") : "" },
        el("label", {}, Object.assign(el("input", { type: "radio", name: `pick-${f}`, value: side }), { checked }), ` ${nameOf(f, value)}`));
      return el("tr", {}, el("th", { scope: "row", text: T.labels[f] || f }), pick("phone", c.fields[f], phone), pick("server", server[f], !phone));
    });
    $("conflict-form").querySelector("tbody").replaceChildren(...rows);
    show("conflict");
  }
  async function settle(ev) {
    ev.preventDefault();
    const c = settling, rec = records.get(c.lid), server = c.server;
    const chosen = { ...c.fields };
    for (const f of differing(c.fields, server.fields)) {
      if ($("conflict-form").querySelector(`input[name="pick-${f}"]:checked`)?.value === "server") chosen[f] = server.fields[f];
    }
    Object.assign(rec, { version: server.version, base: server.fields, fields: chosen });
    Object.assign(c, { fields: chosen, key: newKey(), state: "waiting", tries: 0, server: null });
    await write((s) => { s.records.put(rec); s.outbox.put(c); });
    settling = null;
    show("outbox");
    sync();
  }

  // ---------------------------------------------------------------- showing it
  const pending = () => outbox.filter((c) => c.state !== "done");
  const when = (iso) => (iso ? new Date(iso).toLocaleString(T.lang === "en" ? "en-GB" : "id-ID", { dateStyle: "medium", timeStyle: "short" }) : "");
  // A notice that stays until the officer leaves the form (a draft restored after a restart):
  // a phone that says it is online while the server cannot be reached would otherwise replace
  // it at once with a retry message.
  let sticky = "";
  function say(text) { $("message").textContent = sticky && text !== sticky ? `${sticky} ${text}`.trim() : text; }
  function show(view) {
    if (view !== "form") sticky = "";
    for (const p of document.querySelectorAll("[data-view-panel]")) p.hidden = p.dataset.viewPanel !== view;
    for (const b of document.querySelectorAll("nav.tabs button")) b.setAttribute("aria-pressed", String(b.dataset.view === view && (view !== "form" || !editing)));
    render();
  }
  function stateOf(lid) {
    const open = outbox.filter((c) => c.lid === lid && c.state !== "done");
    for (const s of ["conflict", "rejected", "waiting"]) if (open.some((c) => c.state === s)) return s;
    return null;
  }
  function render() {
    const waiting = pending().length;
    $("net").textContent = `${navigator.onLine ? t("online") : t("offline")} · ${waiting ? t("waiting", { n: waiting }) : t("all_sent")}`;
    $("outbox-count").textContent = waiting ? `(${waiting})` : "";
    $("sync").disabled = syncing || !waiting || !navigator.onLine;
    if (signedOut) $("message").replaceChildren(t("signed_out"), " ", el("a", { href: "/login?next=/lapangan/", text: t("sign_in") }));
    if (!meta) { $("data-info").textContent = t("no_data"); }
    else {
      const kept = [...records.values()].filter((r) => r.id).length;
      $("data-info").textContent = `${meta.region_name || meta.scope_name}: ${t("downloaded", { n: kept, at: when(meta.downloaded_at) })}`
        + (meta.total > kept ? ` ${t("more_than_kept", { total: meta.total, kept })}` : "");
    }
    // The list: a search over name, owner and village, at most 50 at a time.
    const q = $("q").value.trim().toLowerCase();
    const all = [...records.values()].filter((r) => !q || `${r.fields.name} ${r.fields.owner_name} ${villages.get(r.fields.village_code)?.[1] || ""}`.toLowerCase().includes(q));
    // New ones first: they are what the operator works on today.
    all.sort((a, b) => (!b.id - !a.id) || a.fields.name.localeCompare(b.fields.name, "id"));
    $("records").replaceChildren(...all.slice(0, 50).map((r) => {
      const s = stateOf(r.lid);
      return el("li", {}, el("button", { type: "button", class: "link open", onclick: () => openForm(r) },
        el("strong", { text: r.fields.name }), ` · ${r.fields.owner_name} · ${villages.get(r.fields.village_code)?.[1] || ""}`,
        r.id ? null : ` ${t("new_record")}`,
        s ? el("span", { class: `badge state-${s}`, text: ` ${t(`state_${s}`)}` }) : null));
    }));
    $("list-count").textContent = all.length > 50 ? t("shown", { shown: 50, n: all.length }) : "";
    // The queue, newest first.
    $("outbox-empty").hidden = outbox.length > 0;
    const blocked = new Set();
    const order = [...outbox].sort((a, b) => a.seq - b.seq);
    const label = new Map();
    for (const c of order) {
      if (c.state === "done") { label.set(c.seq, "done"); continue; }
      label.set(c.seq, c.state === "waiting" && blocked.has(c.lid) ? "blocked" : c.state);
      if (c.state !== "waiting" && c.kind !== "photo") blocked.add(c.lid);
    }
    $("outbox").replaceChildren(...order.reverse().map((c) => {
      const rec = records.get(c.lid);
      const s = label.get(c.seq);
      const li = el("li", { "data-state": c.state },
        el("strong", { text: `${t(`kind_${c.kind}`)}: ${rec?.fields.name || ""}` }), " ",
        el("span", { class: `state-${s}`, text: t(`state_${s}`) }),
        c.at ? el("small", { text: ` · ${when(c.at)}` }) : null);
      // A photo not yet on the server stays in view, whatever became of it.
      if (c.kind === "photo" && c.photo) li.append(el("div", { class: "field-photos" }, el("img", { src: c.photo, alt: `${T.labels.photo}: ${rec?.fields.name || ""}` })));
      if (c.state === "waiting" && c.problem) li.append(el("p", { class: "hint", text: c.problem }));
      for (const e of c.state === "rejected" ? c.errors || [] : []) li.append(el("p", { class: "field-error", text: `${e.field ? `${T.labels[e.field] || e.field}: ` : ""}${e.message}` }));
      if (c.duplicates?.length) li.append(el("p", {}, t("duplicates", { names: c.duplicates.map((d) => d.name).join(", ") }), " ", el("a", { href: "/umkm/duplicates", text: "→" })));
      if (c.state === "rejected" && rec && c.kind !== "photo") li.append(el("button", { type: "button", text: t("fix"), onclick: () => openForm(rec, { values: c.fields, note: c.note }) }));
      if (c.state === "rejected" && c.kind === "photo" && c.photo) li.append(el("button", { type: "button", text: t("send_again"), onclick: () => sendAgain(c) }));
      if (c.state === "conflict") li.append(el("button", { type: "button", text: t("resolve"), onclick: () => openConflict(c) }));
      return li;
    }));
  }

  /** A refused photo queued again: with a new key, since the refused one may not be used
   * twice with other content. */
  async function sendAgain(c) {
    Object.assign(c, { state: "waiting", errors: null, problem: null, tries: 0, key: newKey() });
    await write((s) => s.outbox.put(c));
    retryDelay = 1000;
    render();
    sync();
  }

  // ---------------------------------------------------------------- signing out
  async function wipe() {
    try { (await dbp).close(); } catch (e) { /* not open */ }
    await new Promise((ok) => { const r = indexedDB.deleteDatabase(DB); r.onsuccess = r.onerror = r.onblocked = ok; });
    if (window.caches) for (const k of await caches.keys()) if (k.startsWith("sentra-lapangan-")) await caches.delete(k);
    for (const r of (await navigator.serviceWorker?.getRegistrations()) || []) await r.unregister();
  }
  async function signOut(ev) {
    if (ev.target.dataset.wiped) return;
    ev.preventDefault();
    const unsent = pending().length;
    if (unsent && !window.confirm(t("signout_unsent", { n: unsent }))) return;
    await wipe();
    if (!navigator.onLine) {
      meta = null; records = new Map(); outbox = [];
      dbp = openDb();
      say(t("signout_offline"));
      render();
      return;
    }
    ev.target.dataset.wiped = "1";
    ev.target._csrf.value = meta?.csrf || ev.target._csrf.value;
    ev.target.submit();
  }

  // ---------------------------------------------------------------- start
  async function start() {
    dbp = openDb();
    const draft = await readAll();
    // Photos an earlier version marked refused when the server only found them too large
    // (413): nothing was wrong with them, so they are queued again.
    const tooLarge = outbox.filter((c) => c.kind === "photo" && c.state === "rejected" && c.photo && (c.errors || []).some((e) => e.message === "413"));
    if (tooLarge.length) {
      for (const c of tooLarge) Object.assign(c, { state: "waiting", errors: null, tries: 0 });
      await write((s) => { for (const c of tooLarge) s.outbox.put(c); });
    }
    fillSelects();
    form.addEventListener("submit", save);
    form.addEventListener("input", keepDraft);
    $("cancel").addEventListener("click", () => { write((s) => s.meta.delete("draft")); editing = null; photos = []; show("list"); });
    $("gps").addEventListener("click", gps);
    $("f-photo").addEventListener("change", async (e) => {
      for (const file of e.target.files) {
        try { photos.push(await shrink(file)); } catch (err) { say(err?.message === "photo_too_small" ? T.errors.photo_too_small : t("photo_failed")); }
      }
      e.target.value = "";
      showPhotos();
      keepDraft();
    });
    $("conflict-form").addEventListener("submit", settle);
    $("q").addEventListener("input", render);
    $("sync").addEventListener("click", () => { retryDelay = 1000; sync(); });
    $("download").addEventListener("click", () => download($("area").value));
    $("sign-out-form").addEventListener("submit", signOut);
    for (const b of document.querySelectorAll("[data-view]")) b.addEventListener("click", () => (b.dataset.new ? openForm(null) : show(b.dataset.view)));
    addEventListener("online", () => { retryDelay = 1000; sync(); });
    addEventListener("offline", render);
    if (draft) { openForm(draft.lid ? records.get(draft.lid) : null, draft); sticky = t("draft_restored"); say(sticky); } else show("list");
    navigator.storage?.persist?.();
    navigator.serviceWorker?.register("/lapangan/sw.js", { scope: "/lapangan/" }).catch(() => {});
    if (navigator.onLine) {
      if (!meta) await download("");
      else sync();
    }
    document.body.dataset.ready = "1";
  }
  start().catch((e) => say(String(e)));
})();
