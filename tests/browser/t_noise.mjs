// The Noise reduction tab: grouping edited in the form (a bad key refused
// next to its dimension set), previewed over pushed events and saved (read
// back through the API and the reloaded form); flapping saved; a weekly
// silence (a bad time zone refused next to its window's zone) created,
// edited and disabled; an inhibit rule created in the form that holds a
// target alert while its source is open (checked on the alerts through the
// API, api.md §2.6.5/§2.6.6); a quick silence of an incident; each section
// shot at 1280x800, and the tab at 390x844 without horizontal scroll.
import { join } from "node:path";
import { run, check, api, push, unique, URL, TIMEOUT } from "./harness.mjs";

const ch = (await api("POST", "/channels", { name: unique("noise") })).data;
const ig = (await api("POST", "/integrations", { name: "std", type: "standard", channel_id: ch.id })).data;
const send = async (ev) => {
  const r = await push(ig.push_url, JSON.stringify(ev));
  check("push " + ev.alert_key + " accepted", r.status === 200, r);
};

// Polls the API until fn() answers something truthy (a condition, not a sleep).
async function until(what, fn) {
  const end = Date.now() + TIMEOUT;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sectionShot(page, name, prefix) {
  const sec = page.locator("section.noise-" + name);
  await sec.scrollIntoViewIfNeeded();
  await sec.screenshot({ path: join(process.env.BROWSER_SHOTS, (prefix || "noise-section-") + name + ".png") });
}

// Three events for the preview: by labels.check, the two latency alerts
// share an incident; strict mode makes the second set (no cluster label)
// unusable, so co-errors is alone.
await send({ event_status: "Warning", alert_key: "co-latency", title_rule: "checkout p99 latency above 800 ms",
  labels: { service: "checkout", check: "latency" } });
await send({ event_status: "Warning", alert_key: "co-errors", title_rule: "checkout error rate above 2%",
  labels: { service: "checkout", check: "errors" } });
await send({ event_status: "Warning", alert_key: "cart-latency", title_rule: "cart p99 latency above 800 ms",
  labels: { service: "cart", check: "latency" } });

await run("noise", async ({ page, shot }) => {
  await page.goto(URL + "/#/channels/" + ch.id + "/noise");
  await page.getByRole("heading", { name: "Grouping", level: 2 }).waitFor();
  await page.getByRole("heading", { name: "Quick silence", level: 2 }).waitFor();
  await shot("tab");

  // ---- Grouping
  const g = page.locator("form.grouping-form");
  check("a channel without grouping shows Off", (await g.getByLabel("Method").inputValue()) === "none");
  await g.getByLabel("Method").selectOption("rules");
  await g.getByLabel("Dimension set 1", { exact: true }).fill("service");
  await g.getByRole("button", { name: "Save grouping" }).click();
  await g.locator("li.set-row.invalid .field-error", { hasText: "equals: unrecognized key \"service\"" }).waitFor();
  await shot("grouping-refused");
  await g.getByLabel("Dimension set 1", { exact: true }).fill("labels.check");
  await g.getByRole("button", { name: "+ Add dimension set" }).click();
  await g.getByLabel("Dimension set 2", { exact: true }).fill("labels.cluster, labels.service");
  await g.getByRole("button", { name: "+ Add case" }).click();
  const c1 = g.locator("li.case-item").first();
  await c1.getByRole("button", { name: "+ And condition" }).click();
  await c1.getByLabel("Field").fill("severity");
  await c1.getByLabel("Values (comma separated)").fill("Critical");
  await c1.getByLabel("Group by keys of case 1").fill("labels.service, severity");
  await g.getByLabel("Window (minutes)").fill("60");
  await g.getByLabel("Window counted").selectOption("sliding");
  await g.getByLabel(/^Strict/).check();
  await g.getByLabel("Storm thresholds").fill("3, 50");
  await g.getByLabel("Max alerts per incident").fill("1000");
  await g.getByRole("button", { name: "Preview grouping" }).click();
  const summary = g.locator(".preview-summary");
  await summary.waitFor();
  check("the preview replays the pushed events", (await summary.textContent()) === "Replayed 3 recent events: 2 incidents would have opened, oldest first.",
    await summary.textContent());
  const prows = g.locator("table.preview tbody tr");
  check("two incidents previewed", (await prows.count()) === 2);
  check("the latency alerts share the first", (await prows.nth(0).textContent()).includes("cart-latency"), await prows.nth(0).textContent());
  check("co-errors is alone", (await prows.nth(1).textContent()).includes("co-errors"));
  check("a preview saves nothing", (await api("GET", "/channels/" + ch.id + "/grouping")).data.method === "none");
  await sectionShot(page, "grouping");
  await g.getByRole("button", { name: "Save grouping" }).click();
  const want = { method: "rules", equals: [["labels.check"], ["labels.cluster", "labels.service"]],
    cases: [{ if: [{ key: "severity", oper: "IN", vals: ["Critical"] }], equals: ["labels.service", "severity"] }],
    window_minutes: 60, window_type: "sliding", strict: true, storm_thresholds: [3, 50], max_alerts_per_incident: 1000 };
  const saved = await until("the grouping to be saved", async () => {
    const d = (await api("GET", "/channels/" + ch.id + "/grouping")).data;
    return d.method === "rules" ? d : null;
  });
  check("the grouping is stored as entered", JSON.stringify(saved) === JSON.stringify(want), saved);
  await page.reload();
  await g.getByLabel("Dimension set 2", { exact: true }).waitFor();
  check("read back: set 2", (await g.getByLabel("Dimension set 2", { exact: true }).inputValue()) === "labels.cluster, labels.service");
  check("read back: case key", (await g.locator("li.case-item").first().getByLabel("Field").inputValue()) === "severity");
  check("read back: window", (await g.getByLabel("Window (minutes)").inputValue()) === "60");
  check("read back: strict", await g.getByLabel(/^Strict/).isChecked());

  // ---- Flapping
  const f = page.locator("form.flapping-form");
  check("flapping defaults shown", (await f.getByLabel("Changes").inputValue()) === "4");
  await f.getByLabel("Mode").selectOption("mute");
  await f.getByLabel("Changes").fill("3");
  await f.getByLabel("Within (minutes)").fill("10");
  await f.getByLabel("Mute for (minutes)").fill("30");
  await f.getByRole("button", { name: "Save flapping" }).click();
  const flap = await until("flapping to be saved", async () => {
    const d = (await api("GET", "/channels/" + ch.id + "/flapping")).data;
    return d.mode === "mute" ? d : null;
  });
  check("flapping stored", JSON.stringify(flap) === JSON.stringify({ mode: "mute", max_changes: 3, in_mins: 10, mute_mins: 30 }), flap);
  await sectionShot(page, "flapping");

  // ---- A weekly silence
  await page.getByRole("button", { name: "New silence" }).click();
  const s = page.locator("form.silence-form.new-rule");
  await s.getByLabel("Name", { exact: true }).fill("nightly batch");
  await s.getByLabel("Field").fill("labels.job");
  await s.getByLabel("Values (comma separated)").fill("/^batch-/");
  await s.getByLabel("Weekly (recurring)").check();
  const w1 = s.locator("fieldset.window").nth(0);
  check("weekdays are ticked by default", await w1.getByLabel("Mon").isChecked() && !(await w1.getByLabel("Sun").isChecked()));
  await w1.getByLabel("From").fill("22:00");
  await w1.getByLabel("Until").fill("06:00");
  await w1.getByLabel("Time zone").fill("Mars/Olympus");
  await s.getByRole("button", { name: "+ Add window" }).click();
  const w2 = s.locator("fieldset.window").nth(1);
  for (const d of ["Mon", "Tue", "Wed", "Thu", "Fri"]) await w2.getByLabel(d).uncheck();
  await w2.getByLabel("Sun").check();
  await w2.getByLabel("Sat").check();
  await w2.getByLabel("From").fill("00:00");
  await w2.getByLabel("Until").fill("00:00");
  await w2.getByLabel("Time zone").fill("UTC");
  await s.getByLabel("Mode").selectOption("mark");
  await page.getByRole("button", { name: "Create silence" }).click();
  await w1.locator(".field.invalid .field-error", { hasText: "unrecognized time zone \"Mars/Olympus\"" }).waitFor();
  await shot("silence-refused");
  await w1.getByLabel("Time zone").fill("Asia/Shanghai");
  await page.getByRole("button", { name: "Create silence" }).click();
  const srow = page.locator("table.silences tr", { hasText: "nightly batch" });
  await srow.waitFor();
  const sched = await srow.locator("td.schedule-text").textContent();
  check("the schedule as text", sched.startsWith("Weekly: Mon–Fri 22:00–06:00 (ends next day) Asia/Shanghai; Sun, Sat all day UTC"), sched);
  const stored = (await api("GET", "/channels/" + ch.id + "/silences")).data.items.find((x) => x.name === "nightly batch");
  check("the stored window is the one entered", JSON.stringify(stored.weekly) === JSON.stringify([
    { days: [1, 2, 3, 4, 5], start: "22:00", end: "06:00", tz: "Asia/Shanghai" },
    { days: [0, 6], start: "00:00", end: "00:00", tz: "UTC" }]), stored);
  check("no one-time window with it", stored.time === undefined && stored.mode === "mark");
  // Edit: drop mode; the window stays.
  await page.getByRole("button", { name: "Edit silence nightly batch" }).click();
  const se = page.locator("form.silence-form.editing");
  check("the edit form shows the weekly window", (await se.locator("fieldset.window").nth(0).getByLabel("Time zone").inputValue()) === "Asia/Shanghai");
  await se.getByLabel("Mode").selectOption("drop");
  await page.getByRole("button", { name: "Save silence nightly batch" }).click();
  await srow.locator("td", { hasText: /^drop$/ }).waitFor();
  const edited = (await api("GET", "/channels/" + ch.id + "/silences/" + stored.id)).data;
  check("edited: drop, same window", edited.mode === "drop" && JSON.stringify(edited.weekly) === JSON.stringify(stored.weekly), edited);
  await page.getByRole("button", { name: "Disable silence nightly batch" }).click();
  await page.getByRole("button", { name: "Enable silence nightly batch" }).waitFor();
  check("disabled through the API", (await api("GET", "/channels/" + ch.id + "/silences/" + stored.id)).data.enabled === false);
  check("the row says so", (await srow.textContent()).includes("disabled"));
  await sectionShot(page, "silences");

  // ---- An inhibit rule
  await page.getByRole("button", { name: "New inhibit rule" }).click();
  const inh = page.locator("form.inhibit-form.new-rule");
  await inh.getByLabel("Name", { exact: true }).fill("host down hides checks");
  const src = inh.locator("[data-field=source_filters]"), tgt = inh.locator("[data-field=target_filters]");
  await src.getByLabel("Field").fill("labels.check");
  await src.getByLabel("Values (comma separated)").fill("host_down");
  await tgt.getByLabel("Field").fill("severity");
  await tgt.getByLabel("Values (comma separated)").fill("Warning, /(/");
  await inh.getByLabel("Equal labels").fill("labels.host");
  await page.getByRole("button", { name: "Create inhibit rule" }).click();
  await tgt.locator(".field-error", { hasText: "invalid regex" }).waitFor();
  check("the source filter is not blamed", (await src.locator(".field-error").textContent()) === "");
  await shot("inhibit-refused");
  await tgt.getByLabel("Values (comma separated)").fill("Warning, Info");
  await page.getByRole("button", { name: "Create inhibit rule" }).click();
  const irow = page.locator("table.inhibits tr", { hasText: "host down hides checks" });
  await irow.waitFor();
  check("the inhibit row", (await irow.textContent()).includes("labels.check in host_down") && (await irow.textContent()).includes("severity in Warning | Info"));
  const rule = (await api("GET", "/channels/" + ch.id + "/inhibits")).data.items[0];
  check("the inhibit is stored", JSON.stringify(rule.equals) === "[\"labels.host\"]" && rule.target_filters[0][0].vals.join() === "Warning,Info", rule);

  // The source opens an incident; a target with its host is held while it
  // is open; one with another host is not.
  await send({ event_status: "Critical", alert_key: "web-03-down", title_rule: "web-03 unreachable", labels: { host: "web-03", check: "host_down" } });
  await send({ event_status: "Warning", alert_key: "web-03-disk", title_rule: "web-03 disk 91% full", labels: { host: "web-03", check: "disk" } });
  await send({ event_status: "Warning", alert_key: "web-04-disk", title_rule: "web-04 disk 93% full", labels: { host: "web-04", check: "disk" } });
  const events = (await api("GET", "/events?integration_id=" + ig.id + "&limit=50")).data.items;
  const alertOf = async (key) => (await api("GET", "/alerts/" + events.find((e) => e.alert_key === key).alert_id)).data;
  const source = await alertOf("web-03-down"), target = await alertOf("web-03-disk"), other = await alertOf("web-04-disk");
  check("the source opened an incident", source.incident_id !== null && source.held === "", source);
  check("the target is held (inhibited), in no incident", target.held === "inhibited" && target.incident_id === null, target);
  check("its reason names the rule and the source", target.reason.inhibited_by && target.reason.inhibited_by.id === rule.id &&
    String(target.reason.inhibited_by.source_alert_id) === source.id && target.reason.inhibited_by.mode === "mark", target.reason);
  check("another host is not held", other.held === "" && other.incident_id !== null, other);
  await irow.locator("td.hits", { hasText: /^1$/ }).waitFor();
  // Edit: drop mode, hits kept.
  await page.getByRole("button", { name: "Edit inhibit rule host down hides checks" }).click();
  await page.locator("form.inhibit-form.editing").getByLabel("Mode").selectOption("drop");
  await page.getByRole("button", { name: "Save inhibit rule host down hides checks" }).click();
  await irow.locator("td", { hasText: /^drop$/ }).waitFor();
  const ruled = (await api("GET", "/channels/" + ch.id + "/inhibits/" + rule.id)).data;
  check("edited inhibit: drop, hits kept", ruled.mode === "drop" && ruled.hits === 1, ruled);
  await sectionShot(page, "inhibits");

  // ---- Quick silence of the source's incident
  await page.reload();
  const q = page.locator("section.noise-quick");
  await q.getByLabel("Incident", { exact: true }).selectOption(source.incident_id);
  await q.getByLabel("For").selectOption("30m");
  await page.getByRole("button", { name: "Quick silence incident web-03 unreachable" }).click();
  await q.locator(".quick-result", { hasText: "labels.host in web-03" }).waitFor();
  await page.locator("table.silences tr", { hasText: "Quick Silence - #" + source.incident_id }).waitFor();
  const quick = (await api("GET", "/channels/" + ch.id + "/silences")).data.items.find((x) => x.from_incident_id);
  check("a 30-minute quick silence", quick.time.end - quick.time.start === 1800 && String(quick.from_incident_id) === source.incident_id, quick);
  await sectionShot(page, "quick");
  await shot("tab-done");
});

await run("noise-phone", async ({ page, shot }) => {
  await page.goto(URL + "/#/channels/" + ch.id + "/noise");
  await page.getByRole("heading", { name: "Quick silence", level: 2 }).waitFor();
  await page.locator("table.silences td.hits").first().waitFor();
  await page.getByRole("button", { name: "New silence" }).click();
  await page.locator("form.silence-form.new-rule").getByLabel("Weekly (recurring)").check();
  await page.getByRole("button", { name: "New inhibit rule" }).click();
  await page.getByRole("button", { name: "Preview grouping" }).click();
  await page.locator(".preview-summary").waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check("no horizontal scroll at 390", width <= 390, width);
  const unnamed = await page.evaluate(() => [...document.querySelectorAll("button, a, input, select, textarea")]
    .filter((b) => !b.hidden && !(b.getAttribute("aria-label") || b.textContent.trim() || b.labels?.length || b.closest("label")))
    .map((b) => b.outerHTML.slice(0, 80)));
  check("every control is named", unnamed.length === 0, unnamed);
  const names = await page.evaluate(() => [...document.querySelectorAll("#tab-body button")]
    .map((b) => b.getAttribute("aria-label") || b.textContent.trim()));
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  check("button names are unique", dup.length === 0, dup);
  await shot("tab-phone");
  for (const name of ["grouping", "flapping", "silences", "inhibits", "quick"]) await sectionShot(page, name, "noise-phone-section-");
}, { width: 390, height: 844 });
