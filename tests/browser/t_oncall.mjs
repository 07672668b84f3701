// The On-call section and a channel's Escalation and Auto-resolve tabs,
// all through the UI: members (one refused next to its Email first), a
// team, a notify target (webhook to a local receiver; its secret never
// shown back), a schedule with a rotation (refused next to its layer's
// members first) whose "on call now" is the member the API names, an
// override that changes it; an escalation rule (refused next to its level
// first) paging the schedule, the team and the target; a push opens an
// incident and the delivery log shows what was sent and what was not and
// why (no_contact); auto-resolve refused next to its field, then saved and
// read back. Then every page again at 390×844, nothing wider than the screen.
import { createServer } from "node:http";
import { run, check, api, push, unique, URL } from "./harness.mjs";

// The webhook receiver: remembers every POST.
const got = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => { body += c; });
  req.on("end", () => {
    got.push({ path: req.url, event: req.headers["x-alerthub-event"], signature: req.headers["x-alerthub-signature"], body });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end("{}");
  });
});
await new Promise((ok) => receiver.listen(0, "127.0.0.1", ok));
const hook = "http://127.0.0.1:" + receiver.address().port + "/hook";

const ann = unique("Ann");
const ben = unique("Ben");
const team = unique("sre");
const tname = unique("ops-hook");
const sname = unique("primary");
const ch = (await api("POST", "/channels", { name: unique("pay") })).data;
const ig = (await api("POST", "/integrations", { name: "std", type: "standard", channel_id: ch.id })).data;
const ids = {};
const pages = [];

async function noWiderThan(page, w, what) {
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  check(what + " is no wider than " + w + " px", sw <= w, sw);
}

// Every visible button has a name, and no two share one.
async function buttonsNamed(page, what) {
  const labels = await page.locator("button:visible").evaluateAll((bs) => bs.map((b) => (b.getAttribute("aria-label") || b.textContent).trim()));
  check(what + ": every button is named", labels.every((l) => l !== ""), labels);
  const dup = labels.filter((l, i) => labels.indexOf(l) !== i);
  check(what + ": button names are unique", dup.length === 0, dup);
}

await run("oncall", async ({ page, shot }) => {
  // Members: a bad email refused next to Email, then Ann (no contact) and
  // Ben (a webhook contact).
  await page.getByRole("link", { name: "On-call", exact: true }).click();
  await page.getByRole("heading", { name: "Who is on call now" }).waitFor();
  await page.getByRole("link", { name: "Members", exact: true }).click();
  await page.getByRole("heading", { name: "New member" }).waitFor();
  const mform = page.locator("form.member-form");
  await mform.getByLabel("Name", { exact: true }).fill(ann);
  await mform.getByLabel("Email").fill("ann at example");
  // type=email would stop the browser before the API: test the API's refusal.
  await mform.getByLabel("Email").evaluate((i) => { i.type = "text"; });
  await mform.getByRole("button", { name: "Create member" }).click();
  await mform.locator("[data-field=email] .field-error", { hasText: "email must be" }).waitFor();
  await shot("member-refused");
  await mform.getByLabel("Email").fill("");
  await mform.getByRole("button", { name: "Create member" }).click();
  await page.locator("table.members tr", { hasText: ann }).waitFor();
  const mform2 = page.locator("form.member-form");
  await mform2.getByLabel("Name", { exact: true }).fill(ben);
  await mform2.getByRole("button", { name: "Add a contact to the new member" }).click();
  await mform2.getByLabel("Contact 1 kind").selectOption("webhook");
  await mform2.getByLabel("Contact 1 address").fill(hook + "/ben");
  await mform2.getByRole("button", { name: "Create member" }).click();
  await page.locator("table.members tr", { hasText: ben }).waitFor();
  const members = (await api("GET", "/members?limit=500")).data.items;
  ids.ann = members.find((m) => m.name === ann).id;
  ids.ben = members.find((m) => m.name === ben).id;
  check("Ben's contact was saved", members.find((m) => m.name === ben).contacts[0].address === hook + "/ben");
  await shot("members");

  // A team of both, picked by name.
  await page.getByRole("link", { name: "Teams", exact: true }).click();
  await page.getByRole("heading", { name: "New team" }).waitFor();
  await page.getByLabel("Team name").fill(team);
  for (const m of [ann, ben]) {
    await page.getByLabel("Choose member for the new team").selectOption({ label: m });
    await page.getByRole("button", { name: "Add member to the new team" }).click();
  }
  await page.getByRole("button", { name: "Create team" }).click();
  await page.locator("table.teams tr", { hasText: team }).filter({ hasText: ann + ", " + ben }).waitFor();
  ids.team = (await api("GET", "/teams?limit=500")).data.items.find((t) => t.name === team).id;
  await shot("teams");

  // A webhook target to the local receiver, with a secret: a bad URL
  // refused next to URL first.
  await page.getByRole("link", { name: "Notify targets", exact: true }).click();
  await page.getByRole("heading", { name: "New notify target" }).waitFor();
  const tform = page.locator("form.target-form");
  await tform.getByLabel("Name", { exact: true }).fill(tname);
  await tform.getByLabel("Kind").selectOption("webhook");
  await tform.getByLabel("URL").fill("ftp://example.com/x");
  await tform.getByLabel(/^Secret/).fill("s3cret-value");
  await tform.getByRole("button", { name: "Create notify target" }).click();
  await tform.locator("[data-field~=url] .field-error", { hasText: "settings.url must be" }).waitFor();
  await shot("target-refused");
  await tform.getByLabel("URL").fill(hook);
  await tform.getByRole("button", { name: "Create notify target" }).click();
  const trow = page.locator("table.notify-targets tr", { hasText: tname });
  await trow.waitFor();
  const target = (await api("GET", "/notify-targets?limit=500")).data.items.find((t) => t.name === tname);
  ids.target = target.id;
  check("the target's secret is stored", target.settings.has_secret === true && target.settings.url === hook, target);
  check("the secret is not in the page", !(await page.content()).includes("s3cret-value"));
  await page.getByRole("button", { name: "Edit notify target " + tname }).click();
  check("the edit form does not show the secret back", (await page.locator("form.target-form").first().getByLabel(/^Secret/).inputValue()) === "");
  await shot("target-edit");
  await page.getByRole("button", { name: "Cancel editing " + tname }).click();

  // A schedule: refused without members (next to the layer's members),
  // then a daily rotation of Ann and Ben.
  await page.getByRole("link", { name: "Schedules", exact: true }).click();
  await page.getByRole("heading", { name: "New schedule" }).waitFor();
  await page.getByLabel("Schedule name").fill(sname);
  await page.getByLabel("Time zone", { exact: true }).fill("UTC");
  await page.getByLabel("Layer name").fill("primary");
  await page.getByLabel("Turn unit").selectOption("day");
  await page.getByRole("button", { name: "Create schedule" }).click();
  await page.locator(".layer [data-field=member_ids] .field-error", { hasText: "layers[0].member_ids" }).waitFor();
  await shot("schedule-refused");
  for (const m of [ann, ben]) {
    await page.getByLabel("Choose member for layer 1").selectOption({ label: m });
    await page.getByRole("button", { name: "Add member to layer 1" }).click();
  }
  await page.getByRole("button", { name: "Create schedule" }).click();
  await page.getByRole("heading", { name: "Upcoming shifts" }).waitFor();
  const sched = (await api("GET", "/schedules?limit=500")).data.items.find((s) => s.name === sname);
  ids.schedule = sched.id;
  check("the layer rotates Ann then Ben daily", JSON.stringify(sched.layers[0].member_ids) === JSON.stringify([ids.ann, ids.ben]) &&
    sched.layers[0].rotation.unit === "day", sched.layers[0]);
  const nameOf = (id) => (id === ids.ann ? ann : ben);
  const before = (await api("GET", "/schedules/" + sched.id + "/oncall")).data;
  check("the API has someone on call", before.member_ids.length === 1, before);
  const now = page.locator("p.oncall-now");
  await now.locator("strong", { hasText: nameOf(before.member_ids[0]) }).waitFor();
  check("the page names the layer", (await now.textContent()).includes("primary"));
  check("the shifts table lists the rotation", (await page.locator("table.shifts tbody tr").count()) >= 7);
  const feed = await page.getByLabel("iCalendar feed URL of " + sname, { exact: true }).inputValue();
  check("the feed URL is shown", feed === URL + "/api/v1/schedules/" + sched.id + "/ical", feed);
  await shot("schedule");

  // An override for the other member, from now: on call now changes.
  const other = before.member_ids[0] === ids.ann ? ids.ben : ids.ann;
  await page.locator("form.override-form").getByLabel("Member").selectOption(other);
  await page.getByRole("button", { name: "Add override" }).click();
  await now.locator("strong", { hasText: nameOf(other) }).waitFor();
  check("now from the override", (await now.textContent()).includes("override"));
  const after = (await api("GET", "/schedules/" + sched.id + "/oncall")).data;
  check("the API agrees", after.member_ids[0] === other && after.layer === "override", after);
  await page.locator("table.overrides tbody tr", { hasText: nameOf(other) }).waitFor();
  await shot("override");
  await page.getByRole("link", { name: "Schedules", exact: true }).click();
  await page.locator("table.schedules tr", { hasText: sname }).locator(".oncall-now", { hasText: nameOf(other) }).waitFor();
  await shot("schedules");

  // The channel's Escalation tab: a level naming nobody is refused next to
  // that level; then the schedule, the team and the target.
  await page.goto(URL + "/#/channels/" + ch.id + "/incidents");
  await page.getByRole("link", { name: "Escalation", exact: true }).click();
  await page.getByRole("heading", { name: "Escalation rules" }).waitFor();
  await page.getByRole("button", { name: "Add escalation rule" }).click();
  await page.getByLabel("Rule name").fill("page on-call");
  await page.getByRole("button", { name: "Save escalation rules" }).click();
  await page.locator(".level > .form-error", { hasText: "rules[0].levels[0] must name someone" }).waitFor();
  await shot("escalation-refused");
  const pickIn = async (noun, label) => {
    await page.getByLabel("Choose " + noun + " for rule 1, level 1").selectOption({ label });
    await page.getByRole("button", { name: "Add " + noun + " to rule 1, level 1" }).click();
  };
  await pickIn("schedule", sname);
  await pickIn("team", team);
  await pickIn("notify target", tname);
  await page.getByLabel("Escalate after (minutes)").fill("15");
  await page.getByRole("button", { name: "Save escalation rules" }).click();
  await page.locator("#status", { hasText: "Saved 1 escalation rule" }).waitFor();
  const esc = (await api("GET", "/channels/" + ch.id + "/escalations")).data.rules;
  check("the rule is saved as made", esc.length === 1 && esc[0].name === "page on-call" &&
    JSON.stringify(esc[0].levels[0].schedule_ids) === JSON.stringify([ids.schedule]) &&
    JSON.stringify(esc[0].levels[0].team_ids) === JSON.stringify([ids.team]) &&
    JSON.stringify(esc[0].levels[0].target_ids) === JSON.stringify([ids.target]) &&
    esc[0].levels[0].escalate_after_minutes === 15, esc);
  await page.reload();
  await page.getByRole("heading", { name: "Rule 1: page on-call" }).waitFor();
  check("the saved rule is shown again with its picks",
    (await page.locator(".level .chip", { hasText: sname }).count()) === 1 && (await page.locator(".level .chip", { hasText: tname }).count()) === 1);
  await shot("escalation");

  // A push opens an incident; the delivery log shows the target's sent
  // webhook and Ann's page that went nowhere (no contact).
  const r = await push(ig.push_url, JSON.stringify({ event_status: "Critical", title_rule: "checkout down", alert_key: "co" }));
  check("the push is accepted", r.status === 200, r);
  await page.getByRole("link", { name: "On-call", exact: true }).click();
  await page.getByRole("link", { name: "Delivery log", exact: true }).click();
  await page.getByLabel("Channel").selectOption(ch.id);
  await page.getByRole("button", { name: "Filter" }).click();
  const log = page.locator("table.deliveries tbody");
  await log.locator("tr[data-status=sent]", { hasText: tname }).filter({ hasText: "checkout down" }).waitFor();
  await log.locator("tr[data-status=suppressed]", { hasText: "no_contact" }).filter({ hasText: ann }).waitFor();
  check("the receiver got the page, signed", got.some((g) => g.path === "/hook" && g.event === "i_assign" && /^sha256=/.test(g.signature || "")), got.map((g) => g.path + " " + g.event));
  await shot("delivery-log");
  await page.getByLabel("Status").selectOption("unsent");
  await page.getByRole("button", { name: "Filter" }).click();
  await log.locator("tr[data-status=sent]").first().waitFor({ state: "detached" });
  check("the not-sent filter keeps the suppressed row", (await log.locator("tr", { hasText: "no_contact" }).count()) >= 1);
  await shot("delivery-log-unsent");

  // Ann is in the team, a layer and the rule's team: her deletion is
  // refused, with the API's message on her row.
  await page.getByRole("link", { name: "Members", exact: true }).click();
  await page.getByRole("button", { name: "Delete member " + ann }).click();
  await page.locator("table.members tr", { hasText: ann }).locator(".field-error", { hasText: "member \"" + ids.ann + "\" is in" }).waitFor();
  await shot("member-delete-refused");

  // Auto-resolve: 31 days refused next to its field, then 2 hours from the
  // last alert event, read back through the API.
  await page.goto(URL + "/#/channels/" + ch.id + "/auto-resolve");
  await page.getByRole("heading", { name: "Auto-resolve" }).waitFor();
  await page.getByLabel("Resolve after").fill("31");
  await page.getByLabel("Timeout unit").selectOption("86400");
  await page.getByRole("button", { name: "Save auto-resolve" }).click();
  await page.locator("[data-field=auto_resolve_timeout] .field-error", { hasText: "auto_resolve_timeout must be" }).waitFor();
  await shot("auto-resolve-refused");
  await page.getByLabel("Resolve after").fill("2");
  await page.getByLabel("Timeout unit").selectOption("3600");
  await page.getByLabel("Counted from").selectOption("update");
  await page.getByRole("button", { name: "Save auto-resolve" }).click();
  await page.locator("#status", { hasText: "Saved auto-resolve" }).waitFor();
  const saved = (await api("GET", "/channels/" + ch.id)).data;
  check("auto-resolve is saved", saved.auto_resolve_timeout === 7200 && saved.auto_resolve_mode === "update" &&
    saved.disable_auto_close === false, saved);
  await page.reload();
  check("and shown again in hours", (await page.getByLabel("Resolve after").inputValue()) === "2" &&
    (await page.getByLabel("Timeout unit").inputValue()) === "3600");
  await shot("auto-resolve");

  pages.push(["schedules", "#/oncall"], ["schedule", "#/oncall/schedules/" + ids.schedule], ["teams", "#/oncall/teams"],
    ["members", "#/oncall/members"], ["targets", "#/oncall/targets"], ["deliveries", "#/oncall/deliveries"],
    ["escalation", "#/channels/" + ch.id + "/escalation"], ["auto-resolve", "#/channels/" + ch.id + "/auto-resolve"]);
  for (const [label, hash] of pages) {
    await page.goto(URL + "/" + hash);
    await page.locator(".tab-body h2").first().waitFor();
    await page.locator("p.loading").waitFor({ state: "detached" });
    await buttonsNamed(page, label);
  }
});

// Every page on a phone: nothing wider than the screen.
await run("oncall-phone", async ({ page, shot }) => {
  for (const [label, hash] of pages) {
    await page.goto(URL + "/" + hash);
    await page.locator(".tab-body h2").first().waitFor();
    await page.locator("p.loading").waitFor({ state: "detached" });
    await noWiderThan(page, 390, label);
    await shot(label);
  }
}, { width: 390, height: 844 });

receiver.close();
