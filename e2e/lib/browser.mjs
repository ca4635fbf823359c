// Debian's Chromium driven by playwright-core (no browser download), plus the checks every page
// is held to: page weight, no third-party hosts, no horizontal scrolling, axe-core.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { root, PASSWORD } from "./server.mjs";

export const PHONE = { width: 360, height: 640 };
export const DESKTOP = { width: 1280, height: 800 };
/** Transferred bytes of HTML + CSS + JS + fonts, compressed, images apart (issue 4). */
export const PAGE_BUDGET = 60 * 1024;
export const artefacts = join(root, "target/e2e");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // The machine's network is closed: Chromium's own background traffic is switched off.
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** A fresh context (empty cache and cookies), Indonesian unless told. */
export async function newContext(browser, { js = true, viewport = DESKTOP, locale = "id-ID", isMobile = false } = {}) {
  return browser.newContext({
    javaScriptEnabled: js,
    viewport,
    locale,
    isMobile,
    hasTouch: isMobile,
    deviceScaleFactor: 1,
  });
}

export async function signIn(page, base, login, password = PASSWORD) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/^(E-mail atau nomor HP|E-mail or phone number)$/).fill(login);
  await page.getByLabel(/^(Kata sandi|Password)$/).fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/login")),
    page.getByRole("button", { name: /^(Masuk|Sign in)$/ }).click(),
  ]);
}

/**
 * Loads `url` in `page` (whose context has a cold cache) and returns what it cost: bytes
 * transferred per resource type and every request to another host.
 */
export async function measureLoad(page, url) {
  const origin = new URL(url).origin;
  const requests = [];
  const foreign = [];
  const onRequest = (r) => {
    const u = r.url();
    if (u.startsWith("data:") || u.startsWith("blob:")) return;
    if (new URL(u).origin !== origin) foreign.push(u);
    requests.push(r);
  };
  page.on("request", onRequest);
  await page.goto(url, { waitUntil: "load" });
  page.off("request", onRequest);
  let bytes = 0;
  const parts = [];
  for (const r of requests) {
    if (r.resourceType() === "image" || !r.url().startsWith(origin)) continue;
    const res = await r.response();
    if (!res) continue;
    const s = await r.sizes();
    const size = s.responseBodySize + s.responseHeadersSize;
    bytes += size;
    parts.push({ url: r.url().slice(origin.length), type: r.resourceType(), size, encoding: (await res.allHeaders())["content-encoding"] ?? "" });
  }
  return { bytes, parts, foreign };
}

/** The budget rules; returns the list of broken rules (empty when the page is within budget). */
export function budgetProblems(load) {
  const problems = [];
  if (load.bytes > PAGE_BUDGET) {
    problems.push(`transferred ${load.bytes} bytes > ${PAGE_BUDGET}: ${load.parts.map((p) => `${p.url} ${p.size}`).join(", ")}`);
  }
  for (const u of load.foreign) problems.push(`request to another host: ${u}`);
  return problems;
}

/** Horizontal overflow of the document in CSS pixels (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core violations of impact serious or critical. */
export async function seriousA11yViolations(page) {
  // evaluate() is not subject to the page's Content-Security-Policy, a <script> tag would be.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("; ")}`);
}

export async function screenshot(page, name) {
  const dir = join(artefacts, "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
  await page.screenshot({ path: join(dir, `${name}.full.png`), fullPage: true });
}

/**
 * The phone layout rules of issue 31, checked on the page as shown:
 * - the header takes at most 15% of the screen's height;
 * - every target (link, button, field, summary) is at least 24×24 CSS px, or far enough from
 *   the others that a 24 px circle on its centre touches none of them (WCAG 2.2 SC 2.5.8,
 *   whose spacing exception also covers links inside a sentence);
 * - no two pieces of text are drawn over each other (text scrolling under an opaque sticky bar is
 *   covered, not drawn over);
 * - no ISO date or month (2026-12-05, 2026-12), UUID or snake_case code in the visible text.
 */
export async function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    // Hidden, or clipped away as the visually-hidden pattern does (a 1 px box, overflow hidden).
    const visible = (el) => {
      const s = getComputedStyle(el);
      if (s.visibility === "hidden" || s.display === "none") return false;
      const r = el.getBoundingClientRect();
      if (!(r.width > 0 && r.height > 0) || el.checkVisibility?.({ contentVisibilityAuto: true, opacityProperty: true }) === false) return false;
      for (let a = el; a && a !== document.body; a = a.parentElement) {
        const ar = a.getBoundingClientRect();
        if ((ar.width <= 1 || ar.height <= 1) && getComputedStyle(a).overflow !== "visible") return false;
      }
      return true;
    };
    const describe = (el) => {
      const t = (el.innerText || el.getAttribute("aria-label") || el.value || "").trim().replace(/\s+/g, " ").slice(0, 40);
      return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${t}"`;
    };
    const header = document.querySelector("header.top");
    if (header && visible(header)) {
      const h = header.getBoundingClientRect().height;
      if (h > innerHeight * 0.15) problems.push(`header ${Math.round(h)}px high: more than 15% of ${innerHeight}px`);
    }
    // Targets: the page's own (the skip link and visually hidden helpers apart).
    const targets = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")]
      .filter((el) => !el.closest(".visually-hidden") && !el.classList.contains("skip") && visible(el))
      .map((el) => ({ el, r: el.getBoundingClientRect() }));
    const small = targets.filter(({ r }) => r.width < 24 || r.height < 24);
    for (const s of small) {
      const cx = s.r.left + s.r.width / 2, cy = s.r.top + s.r.height / 2;
      const clash = targets.find((o) => {
        if (o === s || o.el.contains(s.el) || s.el.contains(o.el)) return false;
        // Distance from the centre to the other's box, and to its own circle when it is small.
        const dx = Math.max(o.r.left - cx, 0, cx - o.r.right), dy = Math.max(o.r.top - cy, 0, cy - o.r.bottom);
        if (Math.hypot(dx, dy) < 12) return true;
        if (o.r.width < 24 || o.r.height < 24) {
          const ox = o.r.left + o.r.width / 2, oy = o.r.top + o.r.height / 2;
          return Math.hypot(ox - cx, oy - cy) < 24;
        }
        return false;
      });
      if (clash) problems.push(`target ${describe(s.el)} ${Math.round(s.r.width)}×${Math.round(s.r.height)}px crowds ${describe(clash.el)}`);
    }
    // Text drawn over other text: the boxes of the visible text runs, compared pairwise.
    const runs = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim() || !n.parentElement || !visible(n.parentElement)) continue;
      if (n.parentElement.closest("svg, script, style, noscript, option, select, .visually-hidden, .skip")) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) if (r.width > 1 && r.height > 1) runs.push({ n, r });
    }
    // A sticky or fixed bar with a background (a form's sticky save) covers the text scrolling
    // under it: hidden, not drawn over.
    const coverOf = (n) => {
      for (let a = n.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if ((s.position === "sticky" || s.position === "fixed") && s.backgroundColor !== "rgba(0, 0, 0, 0)") return a;
      }
      return null;
    };
    let overlaps = 0;
    for (let i = 0; i < runs.length && overlaps < 5; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const a = runs[i], b = runs[j];
        if (a.n === b.n) continue;
        if (coverOf(a.n) !== coverOf(b.n)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 2 && h > 4) {
          problems.push(`text "${a.n.textContent.trim().slice(0, 30)}" drawn over "${b.n.textContent.trim().slice(0, 30)}"`);
          if (++overlaps >= 5) break;
        }
      }
    }
    // Card labels (table.cards td::before) are not text nodes: their box is the cell's first
    // column, so a label wider than that column runs into the value.
    for (const td of document.querySelectorAll("table.cards td[data-label]")) {
      if (!visible(td) || getComputedStyle(td).display !== "grid") continue;
      const before = getComputedStyle(td, "::before");
      if (before.whiteSpace === "nowrap" || before.whiteSpace === "pre") {
        problems.push(`card label "${td.dataset.label}" cannot wrap and may run into its value`);
        break;
      }
    }
    // The visible text, but for codes shown as codes on purpose (<code>: a category's key on
    // the page that edits it).
    const text = runs.filter((x, i) => i === 0 || runs[i - 1].n !== x.n)
      .filter((x) => !x.n.parentElement.closest("code, kbd, samp"))
      .map((x) => x.n.textContent).join(" ");
    const patterns = [
      // Not a number that merely starts like one (a package number "2026-03-024").
      [/\b(19|20)\d\d-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?(?![-\d])/, "an ISO date or month"],
      [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i, "a UUID"],
      [/\b[a-z]+_[a-z_]+\b/, "a code"],
    ];
    for (const [re, what] of patterns) {
      const m = text.match(re);
      if (m) {
        const at = text.indexOf(m[0]);
        problems.push(`${what} in the text: "…${text.slice(Math.max(0, at - 30), at + m[0].length + 10).replace(/\s+/g, " ")}…"`);
      }
    }
    return problems;
  });
}
