// harness.mjs - what every browser test shares: headless Debian Chromium
// through playwright-core, a signed-in page, API helpers for the set-up
// that is not under test, waits on conditions (never fixed sleeps), and
// screenshots into BROWSER_SHOTS.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const URL = process.env.AH_URL;
export const TOKEN = process.env.AH_TOKEN;
const SHOTS = process.env.BROWSER_SHOTS;
export const FIXTURES = process.env.AH_FIXTURES;
// The machine is shared and small: generous time for every wait.
export const TIMEOUT = 30000;

let passed = 0;
export function check(desc, ok, detail) {
  if (!ok) throw new Error("FAIL " + desc + (detail !== undefined ? ": " + JSON.stringify(detail) : ""));
  passed++;
}

export async function api(method, path, body) {
  const res = await fetch(URL + "/api/v1" + path, {
    method, headers: { Authorization: "Bearer " + TOKEN, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

export function fixture(rel) {
  return readFileSync(join(FIXTURES, rel), "utf8");
}

export async function push(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  return { status: res.status, json: await res.json() };
}

export function unique(prefix) {
  return prefix + "-" + Date.now().toString(36) + Math.floor(Math.random() * 1e4);
}

// run(name, async ({page, shot}) => …, {width, height}): one test in a fresh
// context, signed in through the form. An alert() dialog fails the test
// (the escaping case); confirm() dialogs are accepted.
export async function run(name, fn, viewport) {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout: 60000,
  });
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: viewport || { width: 1280, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: URL });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on("dialog", async (d) => {
      if (d.type() === "confirm") return d.accept();
      errors.push("unexpected " + d.type() + " dialog: " + d.message());
      return d.dismiss();
    });
    page.on("pageerror", (e) => errors.push("page error: " + e.message));
    // An API refusal a test provokes is logged by Chromium as a failed
    // resource: that is not a page error. Anything else is (a CSP
    // violation, an exception).
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of 4")) {
        errors.push("console error: " + m.text());
      }
    });
    let n = 0;
    const shot = async (label) => {
      n++;
      await page.screenshot({ path: join(SHOTS, `${name}-${String(n).padStart(2, "0")}-${label}.png`), fullPage: true });
    };
    await page.goto(URL + "/");
    await shot("signin");
    await page.getByLabel("Token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Channels", level: 1 }).waitFor();
    await fn({ page, shot, context });
    check("no page errors, console errors or alert dialogs", errors.length === 0, errors);
    console.log(`${passed} passed, 0 failed`);
  } catch (e) {
    console.log(e.stack || String(e));
    if (errors.length) console.log("page errors: " + JSON.stringify(errors));
    console.log(`${passed} passed, 1 failed`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
