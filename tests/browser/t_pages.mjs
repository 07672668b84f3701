// Every page at 1280x800 and at 390x844: nothing wider than the viewport
// (no horizontal scroll), every button named, a screenshot of each.
import { run, check, api, push, fixture, unique, URL } from "./harness.mjs";

const ch = (await api("POST", "/channels", { name: unique("pages"), description: "every page" })).data;
const ig = (await api("POST", "/integrations", { name: "volc-rtc", type: "volcengine_rtc", channel_id: ch.id })).data;
const shared = (await api("POST", "/integrations", { name: unique("shared"), type: "alertmanager" })).data;
await api("PUT", "/integrations/" + shared.id + "/routes", { cases: [{ if: [[{ key: "labels.team", oper: "IN", vals: ["web"] }]],
  channel_ids: [ch.id], fallthrough: false }], default: { channel_ids: [ch.id] } });
await api("POST", "/channels/" + ch.id + "/silences", { name: "nightly", filters: [[{ key: "severity", oper: "IN", vals: ["Info"] }]],
  weekly: [{ days: [1, 2, 3], start: "22:00", end: "06:00", tz: "Asia/Shanghai" }] });
await push(ig.push_url, fixture("volcengine-rtc/cm-two-resources.json"));
let inc;
for (;;) { // the push is durable at its 200; the incident list shows it at once
  inc = (await api("GET", "/incidents?channel_id=" + ch.id)).data.items[0];
  if (inc) break;
}

const PAGES = [
  ["channels", "#/channels", "h1"],
  ["channel-incidents", "#/channels/" + ch.id + "/incidents", "table.incidents tbody tr"],
  ["channel-integrations", "#/channels/" + ch.id + "/integrations", "article.integration"],
  ["channel-noise", "#/channels/" + ch.id + "/noise", "td.hits"],
  ["integration-center", "#/integrations", "article.integration"],
  ["routing", "#/integrations/" + shared.id + "/routing", "li.case"],
  ["incidents", "#/incidents", "table.incidents tbody tr"],
  ["incident", "#/incidents/" + inc.id, "dl.labels"],
];

for (const [vw, size] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]]) {
  await run("pages-" + vw, async ({ page, shot }) => {
    for (const [name, hash, ready] of PAGES) {
      await page.goto(URL + "/" + hash);
      await page.locator(ready).first().waitFor();
      if (name === "channel-integrations") await page.getByRole("button", { name: "Add Integration" }).click();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      check(name + ": no horizontal scroll at " + size.width, width <= size.width, width);
      const unnamed = await page.evaluate(() => [...document.querySelectorAll("button, a, input, select, textarea")]
        .filter((b) => !b.hidden && !(b.getAttribute("aria-label") || b.textContent.trim() || b.labels?.length || b.closest("label")))
        .map((b) => b.outerHTML.slice(0, 80)));
      check(name + ": every control is named", unnamed.length === 0, unnamed);
      await shot(name);
    }
    // Keyboard: Tab from the top reaches the main navigation and the page.
    await page.goto(URL + "/#/channels");
    await page.reload();
    await page.locator("h1").waitFor();
    const seen = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Tab");
      seen.push(await page.evaluate(() => document.activeElement.getAttribute("aria-label") || document.activeElement.textContent.trim()));
    }
    check("Tab reaches the navigation", seen.includes("Integration Center"), seen);
  }, size);
}

// The sign-in button on a phone is on screen (the old page pushed it off).
await run("signin-phone", async ({ page }) => {
  await page.getByRole("button", { name: "Sign out" }).click();
  const box = await page.getByRole("button", { name: "Sign in" }).boundingBox();
  check("Sign in is inside 390 px", box && box.x >= 0 && box.x + box.width <= 390, box);
  check("no horizontal scroll", (await page.evaluate(() => document.documentElement.scrollWidth)) <= 390);
  check("nothing in localStorage or sessionStorage", await page.evaluate(() => localStorage.length === 0 && sessionStorage.length === 0));
  check("the session cookie is HttpOnly: not in document.cookie", !(await page.evaluate(() => document.cookie)).includes("alerthub_session"));
}, { width: 390, height: 844 });
