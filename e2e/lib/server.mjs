// Starts a real `sentra serve` on a free port with a fresh SQLite database (or a fresh
// PostgreSQL database when SENTRA_E2E_DATABASE is given), seeded through the CLI the way an
// office would: migrate, demo data, accounts.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.SENTRA_BIN ?? join(root, "target/debug/sentra");

export const HOME = "36.74"; // Kota Tangerang Selatan
export const PASSWORD = "kata-sandi-uji-2026";
export const accounts = {
  admin: { login: "admin@uji.id", role: "admin", scope: HOME, name: "Admin Uji" },
  operator: { login: "operator@uji.id", role: "operator", scope: "36.74.03", name: "Operator Pondok Aren" },
  viewer: { login: "pimpinan@uji.id", role: "viewer", scope: HOME, name: "Pimpinan Uji" },
  procurement: { login: "pengadaan@uji.id", role: "procurement", scope: HOME, name: "Pejabat Pengadaan Uji" },
};

function sentra(args, input) {
  return execFileSync(bin, args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** Starts a server; `await server.stop()` ends it and removes its folder. */
export async function startSentra({ umkm = 150 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sentra-e2e-"));
  const database = `sqlite://${join(dir, "sentra.db")}`;
  const db = ["--database", database];
  sentra(["migrate", ...db]);
  sentra(["demo", "--region", HOME, "--umkm", String(umkm), "--products", "300", "--activities", "--seed", "7", ...db]);
  for (const a of Object.values(accounts)) {
    sentra(["user", "add", "--name", a.name, "--login", a.login, "--role", a.role, "--scope", a.scope, ...db], `${PASSWORD}\n`);
  }
  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--home-region", HOME, ...db], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SENTRA_LOG: process.env.SENTRA_LOG ?? "warn" },
  });
  let log = "";
  child.stderr.on("data", (d) => { log += d; });
  const url = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`sentra serve did not start:\n${out}\n${log}`)), 30_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/ready: (http:\/\/[0-9.:]+)\//);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`sentra serve exited (${code}):\n${out}\n${log}`)); });
  });
  return {
    url,
    dir,
    database,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const ended = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await ended;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
