// The integration layer in the console: each type's logo and set-up steps
// in Add Integration (the card then shows them with the real push URL); an
// enrichment made in the form (a regex extraction, refused first next to
// its Pattern; a mapping table made and filled by a CSV upload; a label
// deletion under a condition) changes the labels of a pushed event; alert
// processing rules (a bad condition key refused next to its rule, then a
// severity rewrite and a drop) take effect on pushes; the tabs of shared
// and private integrations; every editor at 1280x800 and 390x844.
import { run, check, api, push, unique, URL } from "./harness.mjs";

// The alert a push made, by its key, through the channel's incidents.
async function alertByKey(channel, key) {
  for (let tries = 0; tries < 100; tries++) {
    for (const inc of (await api("GET", "/incidents?channel_id=" + channel)).data.items) {
      const a = (await api("GET", "/incidents/" + inc.id)).data.alerts.find((x) => x.alert_key === key);
      if (a) return (await api("GET", "/alerts/" + a.id)).data;
    }
  }
  return null;
}

const TYPES = [
  ["Volcengine RTC", "volcengine-rtc", "Alert Callback"],
  ["Standard", "standard", "curl -X POST"],
  ["Alertmanager", "alertmanager", "webhook_configs"],
];

const ch = (await api("POST", "/channels", { name: unique("rules-ch") })).data;
const table = unique("hosts").slice(0, 40);
let ig; // the private integration made in the form

await run("integration-rules", async ({ page, shot }) => {
  // Logos are served like favicon.svg.
  for (const [, file] of TYPES) {
    const res = await fetch(URL + "/logo-" + file + ".svg");
    check(file + " logo is served as SVG", res.status === 200 && res.headers.get("content-type") === "image/svg+xml" &&
      (await res.text()).startsWith("<svg"), res.status);
  }
  await page.goto(URL + "/#/channels/" + ch.id + "/integrations");
  await page.getByRole("button", { name: "Add Integration" }).click();
  const form = page.locator("form.add-integration");
  for (const [label, file, text] of TYPES) {
    const option = form.locator("label.type-option", { hasText: label });
    const bg = await option.locator(".type-logo").evaluate((e) => getComputedStyle(e).backgroundImage);
    check(label + " shows its logo", bg.includes("/logo-" + file + ".svg"), bg);
    await page.getByRole("radio", { name: new RegExp(label) }).check();
    await form.locator(".setup-steps", { hasText: text }).waitFor();
    check(label + ": the steps are shown", (await form.locator(".setup-steps h3").textContent()) === "Set up " + label);
    await shot("add-" + file);
  }
  // The logo images loaded (a broken one would have no natural size).
  const loaded = await page.evaluate(() => Promise.all(["volcengine-rtc", "standard", "alertmanager"].map((n) =>
    new Promise((ok) => { const i = new Image(); i.onload = () => ok(i.naturalWidth > 0); i.onerror = () => ok(false); i.src = "/logo-" + n + ".svg"; }))));
  check("the logos load under the CSP", loaded.every(Boolean), loaded);

  await page.getByRole("radio", { name: /Standard/ }).check();
  const name = unique("std");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const card = page.locator("article.integration", { hasText: name });
  await card.waitFor();
  ig = (await api("GET", "/integrations/" + (await card.getAttribute("data-id")))).data;
  const steps = card.locator("details.setup");
  check("the new card shows its set-up steps", await steps.evaluate((d) => d.open));
  check("with the real push URL in the curl example",
    (await steps.locator("pre").textContent()).includes("curl -X POST '" + ig.push_url + "'"));
  check("a private card has no Routing", (await card.getByRole("link", { name: "Routing of " + name }).count()) === 0);
  await shot("card-steps");

  // Enrichment: first a mapping table filled by a CSV upload.
  await card.getByRole("link", { name: "Enrichment of " + name }).click();
  await page.getByRole("heading", { name: "Enrichment: " + name }).waitFor();
  const tabs = await page.getByRole("navigation", { name: "Integration " + name }).getByRole("link").allTextContents();
  check("private tabs: enrichment and alert processing", JSON.stringify(tabs) === '["Enrichment","Alert processing"]', tabs);
  const nm = page.locator("form.new-mapping");
  await nm.getByLabel("Name", { exact: true }).fill(table);
  await nm.getByLabel("Source labels").fill("host");
  await nm.getByLabel("Result labels").fill("owner, host");
  await nm.getByRole("button", { name: "Create mapping table" }).click();
  await nm.locator("[data-field=source_labels] .field-error, .form-error", { hasText: "both a source and a result" }).first().waitFor();
  await nm.getByLabel("Result labels").fill("owner, team");
  await nm.getByRole("button", { name: "Create mapping table" }).click();
  const mt = page.locator("article.mapping", { hasText: table });
  await mt.waitFor();
  await mt.getByLabel("CSV file for " + table).setInputFiles({ name: "bad.csv", mimeType: "text/csv",
    buffer: Buffer.from("host,owner,team\ndb-1,alice\n") });
  await mt.getByRole("button", { name: "Upload CSV to " + table }).click();
  await mt.locator(".field-error", { hasText: "line 2" }).waitFor();
  await shot("csv-refused");
  await mt.getByLabel("CSV file for " + table).setInputFiles({ name: "hosts.csv", mimeType: "text/csv",
    buffer: Buffer.from('host,owner,team\ndb-1,alice,storage\n"web,2",bob,\n') });
  await mt.getByRole("button", { name: "Upload CSV to " + table }).click();
  await mt.locator(".row-count", { hasText: "2 rows" }).waitFor();
  await mt.locator("table.rows-preview td", { hasText: "web,2" }).waitFor();
  check("the refusal is gone", (await mt.locator(".field-error", { hasText: "line 2" }).count()) === 0);
  const schemas = (await api("GET", "/mapping-schemas")).data.items;
  const schema = schemas.find((s) => s.name === table);
  check("the API has the rows", schema && schema.row_count === 2, schema);

  // The rules: an extraction (refused first), a mapping, a conditional drop.
  const kind = page.getByLabel("Kind of the new rule");
  await kind.selectOption("extraction");
  await page.getByRole("button", { name: "Add rule" }).click();
  const r1 = page.locator("li.rule").nth(0);
  await r1.getByLabel("Source field").fill("title");
  await r1.getByLabel("Pattern").fill("code=(\\d+");
  await r1.getByLabel("Result label").fill("code");
  await kind.selectOption("mapping");
  await page.getByRole("button", { name: "Add rule" }).click();
  const r2 = page.locator("li.rule").nth(1);
  await r2.getByLabel("Mapping table").selectOption(schema.id);
  await kind.selectOption("drop");
  await page.getByRole("button", { name: "Add rule" }).click();
  const r3 = page.locator("li.rule").nth(2);
  await r3.getByLabel("Labels to delete").fill("internal_id");
  await r3.getByLabel("Condition of rule 3").selectOption("when");
  await r3.getByLabel("Field").fill("labels.env");
  await r3.getByLabel("Values (comma separated)").fill("prod");
  // Moved to the top and back: the order is the form's.
  await page.getByRole("button", { name: "Move rule 3 up" }).click();
  check("moved: rule 2 is the drop", (await page.locator("li.rule").nth(1).getByLabel("Labels to delete").count()) === 1);
  await page.getByRole("button", { name: "Move rule 2 down" }).click();
  await page.getByRole("button", { name: "Save enrichment" }).click();
  const perr = r1.locator("[data-field=pattern] .field-error");
  await perr.filter({ hasText: "not a valid regex" }).waitFor();
  check("the refusal names rule 1's pattern", (await perr.textContent()).startsWith("rules[0].pattern"));
  await shot("enrichment-refused");
  await r1.getByLabel("Pattern").fill("code=(?P<result>\\d+)");
  await page.getByRole("button", { name: "Save enrichment" }).click();
  await page.getByText("Saved the enrichment of " + name).waitFor();
  check("the refusal is gone", (await perr.textContent()) === "");
  const saved = (await api("GET", "/integrations/" + ig.id + "/enrichment")).data.rules;
  check("three rules saved in order", saved.map((r) => r.kind).join() === "extraction,mapping,drop", saved);
  check("the drop has its AND condition", JSON.stringify(saved[2].if) === JSON.stringify([{ key: "labels.env", oper: "IN", vals: ["prod"] }]), saved[2]);
  check("the mapping names the table, all columns", saved[1].settings.schema_id === schema.id && !saved[1].settings.result_labels, saved[1]);
  await shot("enrichment-saved");

  let res = await push(ig.push_url, JSON.stringify({ event_status: "Warning", alert_key: "enrich-1",
    title_rule: "HTTP code=503 on db-1", labels: { host: "db-1", env: "prod", internal_id: "x9" } }));
  check("the push is accepted", res.status === 200, res);
  let alert = await alertByKey(ch.id, "enrich-1");
  check("the alert has the extracted and mapped labels, not the deleted one", alert && alert.labels.code === "503" &&
    alert.labels.owner === "alice" && alert.labels.team === "storage" && !("internal_id" in alert.labels), alert && alert.labels);

  // A reload shows the saved rules.
  await page.reload();
  await page.locator("li.rule").nth(2).waitFor();
  check("the saved rules come back", (await page.locator("li.rule").nth(0).getByLabel("Pattern").inputValue()) === "code=(?P<result>\\d+)");

  // Alert processing: a bad condition key first, then a rewrite and a drop.
  await page.getByRole("navigation", { name: "Integration " + name }).getByRole("link", { name: "Alert processing" }).click();
  await page.getByRole("heading", { name: "Alert processing: " + name }).waitFor();
  const pkind = page.getByLabel("Kind of the new rule");
  await pkind.selectOption("severity_reset");
  await page.getByRole("button", { name: "Add rule" }).click();
  const p1 = page.locator("li.rule").nth(0);
  await p1.getByLabel("New severity").selectOption("Critical");
  await p1.getByLabel("Condition of rule 1").selectOption("when");
  await p1.getByLabel("Field").fill("nope");
  await p1.getByLabel("Values (comma separated)").fill("payment");
  await pkind.selectOption("alert_drop");
  await page.getByRole("button", { name: "Add rule" }).click();
  const p2 = page.locator("li.rule").nth(1);
  await p2.getByLabel("Condition of rule 2").selectOption("when");
  await p2.getByLabel("Field").fill("labels.env");
  await p2.getByLabel("Values (comma separated)").fill("dev");
  await pkind.selectOption("alert_inhibit");
  await page.getByRole("button", { name: "Add rule" }).click();
  const p3 = page.locator("li.rule").nth(2);
  await p3.getByLabel("Condition of rule 3").selectOption("when");
  await p3.locator("[data-field=if]").getByLabel("Field").fill("labels.kind");
  await p3.locator("[data-field=if]").getByLabel("Values (comma separated)").fill("app");
  await p3.getByLabel("Equal on").fill("labels.host");
  await page.getByRole("button", { name: "Save alert processing" }).click();
  const ferr = p1.locator("[data-field=if] > .field-error");
  await ferr.filter({ hasText: "unrecognized key" }).waitFor();
  check("the refusal names rule 1's condition", (await ferr.textContent()).startsWith("rules[0].if"));
  await shot("pipeline-refused");
  await p1.getByLabel("Field").fill("labels.service");
  await page.getByRole("button", { name: "Save alert processing" }).click();
  await page.getByText("Saved the alert processing of " + name).waitFor();
  await shot("pipeline-saved");
  const pipe = (await api("GET", "/integrations/" + ig.id + "/pipeline")).data;
  check("the pipeline saved", pipe.status === "enabled" && pipe.rules.length === 3 && pipe.rules[0].settings.severity === "Critical" &&
    pipe.rules[1].kind === "alert_drop" && !pipe.rules[1].settings, pipe);
  check("the inhibit: any source, equal on the host", JSON.stringify(pipe.rules[2].settings) ===
    JSON.stringify({ source_filters: [], equals: ["labels.host"] }), pipe.rules[2]);

  res = await push(ig.push_url, JSON.stringify({ event_status: "Warning", alert_key: "pay-1", title_rule: "pay slow",
    labels: { service: "payment" } }));
  check("the payment push is accepted", res.status === 200, res);
  alert = await alertByKey(ch.id, "pay-1");
  check("the Warning became Critical", alert && alert.severity === "Critical", alert);
  const before = (await api("GET", "/integrations/" + ig.id)).data.stats.events_dropped || 0;
  res = await push(ig.push_url, JSON.stringify({ event_status: "Critical", alert_key: "dev-1", title_rule: "dev noise",
    labels: { env: "dev" } }));
  check("the dev push is answered 200", res.status === 200, res);
  const after = (await api("GET", "/integrations/" + ig.id)).data.stats.events_dropped;
  check("the dev event was dropped", after === before + 1, { before, after });
  const incs = (await api("GET", "/incidents?channel_id=" + ch.id)).data.items;
  check("no incident for the dropped event", !incs.some((i) => i.title === "dev noise"), incs.map((i) => i.title));

  // A shared integration: Routing, Enrichment and Alert processing, from the Integration Center.
  const shared = (await api("POST", "/integrations", { name: unique("shared-am"), type: "alertmanager" })).data;
  await page.goto(URL + "/#/integrations");
  const sc = page.locator("article.integration", { hasText: shared.name });
  await sc.waitFor();
  check("the shared card links its editors", (await sc.getByRole("link").allTextContents()).join() === "Routing,Enrichment,Alert processing");
  await sc.locator("details.setup summary").click();
  check("the shared card's Alertmanager steps have its URL",
    (await sc.locator("details.setup pre").textContent()).includes("- url: '" + shared.push_url + "'"));
  await shot("center-steps");
  await sc.getByRole("link", { name: "Alert processing of " + shared.name }).click();
  await page.getByRole("heading", { name: "Alert processing: " + shared.name }).waitFor();
  const stabs = await page.getByRole("navigation", { name: "Integration " + shared.name }).getByRole("link").allTextContents();
  check("shared tabs: routing too", stabs.join() === "Routing,Enrichment,Alert processing", stabs);
  await page.getByRole("navigation", { name: "Integration " + shared.name }).getByRole("link", { name: "Routing" }).click();
  await page.getByRole("heading", { name: "Routing: " + shared.name }).waitFor();
});

// The editors and Add Integration on a phone: nothing wider than 390 px.
await run("integration-rules-phone", async ({ page, shot }) => {
  const fits = async (what) => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    check(what + ": no horizontal scroll at 390", w <= 390, w);
  };
  await page.goto(URL + "/#/integrations/" + ig.id + "/enrichment");
  await page.locator("li.rule").nth(2).waitFor();
  await page.locator("article.mapping", { hasText: table }).getByRole("button", { name: "Show rows of " + table }).click();
  await page.locator("table.rows-preview").first().waitFor();
  await fits("enrichment");
  await shot("enrichment");
  await page.goto(URL + "/#/integrations/" + ig.id + "/pipeline");
  await page.locator("li.rule").nth(2).waitFor();
  await fits("alert processing");
  await shot("pipeline");
  await page.goto(URL + "/#/channels/" + ch.id + "/integrations");
  await page.getByRole("button", { name: "Add Integration" }).click();
  for (const [label, file] of TYPES) {
    await page.getByRole("radio", { name: new RegExp(label) }).check();
    await page.locator(".setup-steps h3", { hasText: "Set up " + label }).waitFor();
    await fits("add " + label);
    await shot("add-" + file);
  }
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("article.integration details.setup summary").first().click();
  await fits("card steps");
  await shot("card-steps");
}, { width: 390, height: 844 });
