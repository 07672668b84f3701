// A silence made with the filter form holds back a matching alert; its
// refusal (a bad regex) is shown next to the filter first. Then the
// channel's deletion, refused, with the API's message on its row.
import { run, check, api, push, unique, URL, TIMEOUT } from "./harness.mjs";

await run("silence", async ({ page, shot }) => {
  const ch = (await api("POST", "/channels", { name: unique("db") })).data;
  const ig = (await api("POST", "/integrations", { name: "std", type: "standard", channel_id: ch.id })).data;
  await page.goto(URL + "/#/channels/" + ch.id + "/noise");
  await page.getByRole("heading", { name: "Silences" }).waitFor();
  await page.getByRole("button", { name: "New silence" }).click();
  const form = page.locator("form.silence-form");
  await form.getByLabel("Name", { exact: true }).fill("db maintenance");
  await form.getByLabel("Field").fill("labels.service");
  await form.getByLabel("Match", { exact: true }).selectOption("IN");
  await form.getByLabel("Values (comma separated)").fill("/(/");
  await page.getByRole("button", { name: "Create silence" }).click();
  const err = page.locator(".silence-form [data-field~=filters] .field-error");
  await err.filter({ hasText: "invalid regex" }).waitFor();
  await shot("refused");
  await form.getByLabel("Values (comma separated)").fill("maintenance-db, /^db-/");
  await page.getByRole("button", { name: "Create silence" }).click();
  const row = page.locator("tr", { hasText: "db maintenance" });
  await row.waitFor();
  check("the filter is listed", (await row.textContent()).includes("labels.service in maintenance-db | /^db-/"));

  const held = await push(ig.push_url, JSON.stringify({ event_status: "Critical", title_rule: "disk full on db-7",
    alert_key: "db7", labels: { service: "db-7" } }));
  check("the silenced push is accepted", held.status === 200, held);
  const open = await push(ig.push_url, JSON.stringify({ event_status: "Warning", title_rule: "api slow",
    alert_key: "api", labels: { service: "api" } }));
  check("the other push is accepted", open.status === 200, open);
  await row.locator("td.hits", { hasText: /^1$/ }).waitFor({ timeout: TIMEOUT });
  await shot("hit");
  await page.getByRole("link", { name: "Incidents", exact: true }).last().click();
  await page.locator("table.incidents tbody tr", { hasText: "api slow" }).waitFor();
  check("the silenced alert opened no incident",
    (await page.locator("table.incidents tbody tr", { hasText: "disk full" }).count()) === 0);
  await shot("incidents");
  await page.getByRole("link", { name: "Noise reduction" }).click();
  await page.getByRole("button", { name: "Delete silence db maintenance" }).click();
  await page.getByText("No silences.").waitFor();
  // Deleting the channel is refused while its integration points at it:
  // the API's message is shown on the channel's row.
  await page.getByRole("link", { name: "Channels", exact: true }).first().click();
  await page.getByRole("button", { name: "Delete channel " + ch.name }).click();
  await page.locator("tr", { hasText: ch.name }).locator(".field-error", { hasText: "cannot delete channel" }).waitFor();
  await shot("delete-refused");
});
