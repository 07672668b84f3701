// The seed's shared flow: Integration Center, a shared Volcengine RTC
// integration with its default route, a routing case (its refusal shown
// next to its filter first), the push, the incident in the routed channel.
import { run, check, api, push, fixture, unique, TIMEOUT } from "./harness.mjs";

await run("shared", async ({ page, shot }) => {
  const fallback = (await api("POST", "/channels", { name: unique("default-ch") })).data;
  const routed = (await api("POST", "/channels", { name: unique("north-ch") })).data;
  const name = unique("volc-shared");
  await page.getByRole("link", { name: "Integration Center" }).click();
  await page.getByRole("button", { name: "Add shared integration" }).click();
  await page.getByRole("radio", { name: /Volcengine RTC/ }).check();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("checkbox", { name: fallback.name }).check();
  await shot("add-shared");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const card = page.locator("article.integration", { hasText: name });
  await card.waitFor();
  await shot("center");
  const id = await card.getAttribute("data-id");
  const routes = (await api("GET", "/integrations/" + id + "/routes")).data;
  check("the default route was saved", JSON.stringify(routes.default.channel_ids) === JSON.stringify([fallback.id]), routes);

  await card.getByRole("link", { name: "Routing of " + name }).click();
  await page.getByRole("heading", { name: "Routing: " + name }).waitFor();
  await page.getByRole("button", { name: "Add routing case" }).click();
  const c = page.locator("li.case").first();
  await c.getByLabel("Field").fill("labels.region");
  await c.getByLabel("Match", { exact: true }).selectOption("IN");
  await c.getByLabel("Values (comma separated)").fill("/(/");
  await c.getByRole("checkbox", { name: routed.name }).check();
  await c.getByLabel("After a match").selectOption("false");
  await page.getByRole("button", { name: "Save routes" }).click();
  const err = c.locator(".field-error", { hasText: "invalid regex" });
  await err.waitFor();
  check("the refusal is next to the case's filter", (await err.textContent()).startsWith("filter group 1 condition 1"));
  await shot("routing-refused");
  await c.getByLabel("Values (comma separated)").fill("cn-north-1");
  await page.getByRole("button", { name: "Save routes" }).click();
  await page.getByText("Saved the routes of " + name).waitFor();
  check("the refusal is gone", (await c.locator(".field-error", { hasText: "invalid regex" }).count()) === 0);
  await shot("routing-saved");
  const saved = (await api("GET", "/integrations/" + id + "/routes")).data;
  check("one case to the routed channel, stop", saved.cases.length === 1 && saved.cases[0].channel_ids[0] === routed.id &&
    saved.cases[0].fallthrough === false, saved);
  check("the default kept", saved.default.channel_ids[0] === fallback.id, saved);

  const url = await page.getByRole("textbox", { name: "Push URL of " + name }).inputValue();
  const res = await push(url, fixture("volcengine-rtc/cm-trigger.json"));
  check("the push is accepted", res.status === 200, res);
  await page.goto(new URL("#/channels/" + routed.id + "/incidents", page.url()).href);
  await page.locator("table.incidents tbody tr", { hasText: "rtc-join-room-failure-rate" }).waitFor({ timeout: TIMEOUT });
  await shot("routed-channel");
  const other = (await api("GET", "/incidents?channel_id=" + fallback.id)).data;
  check("nothing in the default channel", other.items.length === 0, other);
});
