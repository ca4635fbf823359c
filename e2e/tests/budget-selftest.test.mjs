// A test of the test: the budget check must fail on a page that is too heavy or that calls
// another host, or it proves nothing about Sentra's pages.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { launch, newContext, measureLoad, budgetProblems, PAGE_BUDGET } from "../lib/browser.mjs";

let browser, server, base;
// Random bytes do not compress: 90 KB of them stays over the budget even gzipped.
const heavy = `<!doctype html><title>heavy</title><p>${randomBytes(45 * 1024).toString("hex")}</p>`;
const light = `<!doctype html><title>light</title><p>halo</p>`;
const foreign = `<!doctype html><title>foreign</title><script src="http://cdn.invalid/lib.js"></script><p>halo</p>`;

before(async () => {
  server = createServer((req, res) => {
    const body = { "/heavy": heavy, "/light": light, "/foreign": foreign }[req.url] ?? "";
    res.writeHead(body ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function problemsOf(path) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const load = await measureLoad(page, base + path);
  await context.close();
  return { load, problems: budgetProblems(load) };
}

test("a light page passes the budget", async () => {
  const { problems } = await problemsOf("/light");
  assert.deepEqual(problems, []);
});

test("a page over the budget fails it", async () => {
  const { load, problems } = await problemsOf("/heavy");
  assert.ok(load.bytes > PAGE_BUDGET, `measured ${load.bytes}`);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /transferred \d+ bytes > 61440/);
});

test("a page that calls another host fails the budget", async () => {
  const { problems } = await problemsOf("/foreign");
  assert.deepEqual(problems, ["request to another host: http://cdn.invalid/lib.js"]);
});
