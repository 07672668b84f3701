// #/incidents across channels: the time filter and paging (more than a
// page of incidents pushed), filters kept in the URL (a reload and a
// bookmark restore them), and the incident detail: Snooze (checked through
// the API), Quick silence holding back the same push again, each alert's
// events. Also the cookie session: nothing in any Storage nor in
// document.cookie, a reload stays signed in, Sign out ends the session.
// At 1280x800 and 390x844 (no horizontal scroll).
import { run, check, api, push, unique, URL } from "./harness.mjs";

const a = (await api("POST", "/channels", { name: unique("filt-a") })).data;
const b = (await api("POST", "/channels", { name: unique("filt-b") })).data;
const ia = (await api("POST", "/integrations", { name: "std-a", type: "standard", channel_id: a.id })).data;
const ib = (await api("POST", "/integrations", { name: "std-b", type: "standard", channel_id: b.id })).data;
const tag = unique("f");
// 13 incidents in A (more than a page of 10): 4 Critical, 9 Warning.
for (let n = 1; n <= 13; n++) {
  const r = await push(ia.push_url, JSON.stringify({ event_status: n <= 4 ? "Critical" : "Warning",
    title_rule: tag + " disk " + n, alert_key: tag + "-" + n, labels: { host: "db-" + n, check: "disk" } }));
  check("push " + n, r.status === 200, r);
}
await push(ib.push_url, JSON.stringify({ event_status: "Critical", title_rule: tag + " other channel", alert_key: tag + "-b" }));
// The detail's incident: two events on one alert.
const body = { event_status: "Critical", title_rule: tag + " api down", alert_key: tag + "-api",
  labels: { service: "api", env: "prod" } };
await push(ia.push_url, JSON.stringify(body));
await push(ia.push_url, JSON.stringify({ ...body, event_status: "Warning", description: "recovering" }));
const incOf = async (title) => (await api("GET", "/incidents?channel_id=" + a.id + "&progress=&q=" + encodeURIComponent(title))).data.items;
const [detail] = await incOf(tag + " api down");
check("the detail incident exists", detail && detail.alert_count === 1, detail);

const rows = (page) => page.locator("table.incidents tbody tr");
const titles = (page) => page.locator("table.incidents tbody tr td.title").allTextContents();

await run("incidents-filters", async ({ page, shot, context }) => {
  // The session: an HttpOnly cookie; nothing a script can read.
  const cookies = await context.cookies(URL + "/api/v1/session");
  const sess = cookies.find((c) => c.name === "alerthub_session");
  check("the session cookie is HttpOnly and SameSite=Strict", sess && sess.httpOnly && sess.sameSite === "Strict", cookies);
  check("nothing in localStorage or sessionStorage", await page.evaluate(() => localStorage.length + sessionStorage.length) === 0);
  check("document.cookie holds no session", !(await page.evaluate(() => document.cookie)).includes("alerthub_session"));

  // Paging: 14 incidents in A, 10 a page.
  await page.goto(URL + "/#/incidents?channel=" + a.id + "&progress=&size=10");
  await page.reload(); // a reload stays signed in (the cookie)
  await rows(page).nth(9).waitFor();
  check("page 1 holds 10", (await rows(page).count()) === 10);
  const first = await titles(page);
  await shot("page1");
  await page.getByRole("button", { name: "Next page of incidents" }).click();
  await page.locator(".page-info", { hasText: "Page 2" }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll("table.incidents tbody tr").length === 4);
  const second = await titles(page);
  check("page 2 holds the other 4", second.every((t) => !first.includes(t)), { first, second });
  check("Next is off on the last page", await page.getByRole("button", { name: "Next page of incidents" }).isDisabled());
  await shot("page2");
  await page.getByRole("button", { name: "Previous page of incidents" }).click();
  await page.locator(".page-info", { hasText: "Page 1" }).waitFor();
  await rows(page).nth(9).waitFor();

  // Filters go to the URL; a reload restores them.
  await page.getByLabel("Severity").selectOption("Critical");
  await page.getByLabel("Started").selectOption("1h");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await page.waitForFunction(() => location.hash.includes("severity=Critical") && location.hash.includes("range=1h"));
  await page.waitForFunction(() => document.querySelectorAll("table.incidents tbody tr").length === 5);
  check("only Critical", (await page.locator("table.incidents tbody tr .badge.sev-Critical").count()) === 5);
  const hash = await page.evaluate(() => location.hash);
  check("the channel is in the URL", hash.includes("channel=" + a.id), hash);
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("table.incidents tbody tr").length === 5);
  check("the reload kept Severity", (await page.getByLabel("Severity").inputValue()) === "Critical");
  check("the reload kept the range", (await page.getByLabel("Started").inputValue()) === "1h");
  check("the reload kept the channel", (await page.getByLabel("Channel").inputValue()) === a.id);
  await shot("filtered");

  // A custom range in the past: nothing; its bounds are in the URL.
  await page.getByLabel("Started").selectOption("custom");
  const day = 86400 * 1000;
  const local = (ms) => { const d = new Date(ms); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };
  await page.getByLabel("From").fill(local(Date.now() - 3 * day));
  await page.getByLabel("Until").fill(local(Date.now() - 2 * day));
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await page.getByText("No incidents.").waitFor();
  check("since and until in the URL", /range=custom&since=\d+&until=\d+/.test(await page.evaluate(() => location.hash)));
  await shot("custom-range-empty");
  // Back: the previous filters again.
  await page.goBack();
  await page.waitForFunction(() => document.querySelectorAll("table.incidents tbody tr").length === 5);
  check("Back restores the range", (await page.getByLabel("Started").inputValue()) === "1h");
  // A bookmark: Warning, text search.
  await page.goto(URL + "/#/incidents?channel=" + a.id + "&severity=Warning&q=" + encodeURIComponent(tag + " disk 1"));
  await page.waitForFunction(() => document.querySelectorAll("table.incidents tbody tr").length === 4); // disk 10..13
  check("the bookmark fills the text", (await page.getByLabel("Search").inputValue()) === tag + " disk 1");

  // The detail: events of the alert.
  await page.goto(URL + "/#/incidents/" + detail.id);
  await page.getByRole("heading", { name: detail.title, level: 1 }).waitFor();
  check("Snooze waits for an ack", await page.getByRole("button", { name: "Snooze incident " + detail.title }).isDisabled());
  await page.getByText("Events (2)").click();
  await page.locator(".events-table tbody tr").nth(1).waitFor();
  check("both events listed, newest first", (await page.locator(".events-table tbody tr").first().textContent()).includes("Warning"));
  await shot("detail-events");

  // Snooze (after Acknowledge), checked through the API.
  await page.getByRole("button", { name: "Acknowledge incident " + detail.title }).click();
  await page.getByRole("button", { name: "Unacknowledge incident " + detail.title }).waitFor();
  await page.getByLabel("Snooze for").selectOption("240");
  const t0 = Math.floor(Date.now() / 1000);
  await page.getByRole("button", { name: "Snooze incident " + detail.title }).click();
  await page.locator("[data-snoozed]").waitFor();
  const snoozed = (await api("GET", "/incidents/" + detail.id)).data;
  check("snoozed for 4 hours", snoozed.snooze_until >= t0 + 4 * 3600 - 5 && snoozed.snooze_until <= t0 + 4 * 3600 + 60, snoozed.snooze_until);
  check("the timeline has the snooze", snoozed.timeline.some((t) => t.type === "i_snooze"));
  await shot("snoozed");

  // Quick silence from the incident's labels; then resolve it and push the
  // same event again: held back (no new incident, the silence has a hit).
  const qs = page.locator("form.quick-silence");
  check("the conditions are listed", (await qs.textContent()).includes("labels.service = api"));
  await qs.getByLabel("For").selectOption("1h");
  await page.getByRole("button", { name: "Quick silence incident " + detail.title }).click();
  await page.locator(".quick-result", { hasText: "Quick Silence - #" + detail.id }).waitFor();
  await shot("quick-silence");
  const sil = (await api("GET", "/channels/" + a.id + "/silences")).data.items.find((s) => s.from_incident_id === Number(detail.id));
  check("the silence exists for 1 h", sil && sil.time.end - sil.time.start === 3600 && sil.mode === "mark", sil);
  await page.getByRole("button", { name: "Resolve incident " + detail.title }).click();
  await page.getByRole("button", { name: "Reopen incident " + detail.title }).waitFor();
  const again = await push(ia.push_url, JSON.stringify(body));
  check("the same push is accepted", again.status === 200, again);
  const after = await incOf(tag + " api down");
  check("no new incident", after.length === 1 && after[0].id === detail.id, after);
  const hit = (await api("GET", "/channels/" + a.id + "/silences/" + sil.id)).data;
  check("the silence held it", hit.hits === 1, hit);

  // Sign out ends the session on the server; a reload stays signed out.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  const res = await page.evaluate(async () => (await fetch("/api/v1/channels")).status);
  check("the old cookie is refused after sign-out", res === 401, res);
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  check("no cookie left", !(await context.cookies(URL + "/api/v1")).some((c) => c.name === "alerthub_session"));
});

await run("incidents-filters-phone", async ({ page, shot }) => {
  for (const [name, hash, ready] of [
    ["list", "#/incidents?channel=" + a.id + "&progress=&size=10&range=custom&since=1", "table.incidents tbody tr"],
    ["detail", "#/incidents/" + detail.id, "form.quick-silence"],
  ]) {
    await page.goto(URL + "/" + hash);
    await page.locator(ready).first().waitFor();
    if (name === "detail") {
      await page.getByText(/^Events \(/).click();
      await page.locator(".events-table tbody tr").first().waitFor();
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(name + ": no horizontal scroll at 390", width <= 390, width);
    const unnamed = await page.evaluate(() => [...document.querySelectorAll("button, a, input, select, textarea, summary")]
      .filter((x) => !(x.getAttribute("aria-label") || x.textContent.trim() || x.labels?.length))
      .map((x) => x.outerHTML.slice(0, 80)));
    check(name + ": every control is named", unnamed.length === 0, unnamed);
    await shot(name);
  }
}, { width: 390, height: 844 });
