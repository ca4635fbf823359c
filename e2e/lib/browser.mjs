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
