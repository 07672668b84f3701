// The seed's private flow: create a channel, Integrations, Add Integration,
// Volcengine RTC, Save, the card's Copy button, push the fixture to the URL
// copied, the incident appears without reload, open it, Ack, Resolve.
import { run, check, push, fixture, unique, TIMEOUT } from "./harness.mjs";

await run("private", async ({ page, shot }) => {
  const name = unique("rtc-room");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Description").fill("Volcengine RTC alerts");
  await page.getByRole("button", { name: "Create channel" }).click();
  // A new channel opens on its Integrations tab.
  await page.getByRole("heading", { name, level: 1 }).waitFor();
  await page.getByRole("link", { name: "Integrations" }).last().waitFor();
  await page.getByRole("button", { name: "Add Integration" }).click();
  await page.getByRole("radio", { name: /Volcengine RTC/ }).check();
  await page.getByLabel("Name", { exact: true }).fill("volc-rtc-prod");
  await shot("add-integration");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const card = page.locator("article.integration", { hasText: "volc-rtc-prod" });
  await card.waitFor();
  check("the card names the type", (await card.textContent()).includes("Volcengine RTC"));
  check("no event yet", (await card.locator(".last-event").textContent()) === "never");
  await card.getByRole("button", { name: "Copy push URL of volc-rtc-prod" }).click();
  await page.getByText("Push URL copied").waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const shown = await card.getByRole("textbox", { name: "Push URL of volc-rtc-prod" }).inputValue();
  check("the clipboard holds the card's push URL", copied === shown, [copied, shown]);
  check("a Volcengine RTC push URL", /\/event\/push\/alert\/volcengine\/rtc\?integration_key=[0-9a-f]{32}$/.test(copied), copied);
  await shot("card");

  const res = await push(copied, fixture("volcengine-rtc/cm-trigger.json"));
  check("the push is accepted", res.status === 200, res);
  // The card's counters and last event follow without reload.
  await card.locator("dd", { hasText: /^1$/ }).first().waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(() => document.querySelector("article.integration .last-event").textContent !== "never");
  await shot("card-after-push");

  // The incident appears in the channel's list without a reload.
  await page.getByRole("link", { name: "Incidents", exact: true }).last().click();
  const row = page.locator("table.incidents tbody tr", { hasText: "rtc-join-room-failure-rate" });
  check("the list is empty or has the incident", true);
  await row.waitFor({ timeout: TIMEOUT });
  check("it is Critical", (await row.textContent()).includes("Critical"));
  check("it is Triggered", (await row.textContent()).includes("Triggered"));
  await shot("incidents");

  // A second push arrives while the list is open: it refreshes in place.
  await page.evaluate(() => window.scrollTo(0, 0));
  await row.getByRole("button", { name: /^Acknowledge incident / }).focus();
  const res2 = await push(copied, fixture("volcengine-rtc/cm-two-resources.json"));
  check("the second push is accepted", res2.status === 200, res2);
  await page.waitForFunction(() => document.querySelectorAll("table.incidents tbody tr").length >= 2, null, { timeout: TIMEOUT });
  const focused = await page.evaluate(() => document.activeElement.getAttribute("aria-label") || "");
  check("focus stays on the Ack button through the refresh", focused.startsWith("Acknowledge incident "), focused);

  await row.getByRole("link").click();
  const title = (await page.locator("h1.title").textContent()).trim();
  check("the detail's title names the rule", title.includes("rtc-join-room-failure-rate"), title);
  await page.getByText("rule_name").first().waitFor();
  await shot("incident");
  await page.getByRole("button", { name: "Acknowledge incident " + title }).click();
  await page.locator(".facts .badge", { hasText: "Processing" }).waitFor();
  await page.getByRole("button", { name: "Resolve incident " + title }).click();
  await page.locator(".facts .badge", { hasText: "Closed" }).waitFor();
  await page.getByRole("button", { name: "Reopen incident " + title }).waitFor();
  const tl = await page.locator("ol.timeline").textContent();
  check("the timeline has the ack and the resolve", tl.includes("i_ack") && tl.includes("i_rslv"), tl);
  await shot("incident-closed");
});
