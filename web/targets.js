// targets.js - the On-call section's Notify targets tab (api.md §2.8):
// group-chat bots and outbound webhooks. The secret is write-only: the
// form never shows it back, only whether one is stored; leaving the field
// empty keeps it, "Remove the stored secret" clears it.
import { api, all } from "./api.js";
import { h, field, clearErrors, status, select } from "./dom.js";
import { crud } from "./crud.js";
import { showAt } from "./pick.js";

const KINDS = [["webhook", "Webhook (generic payload)"], ["slack", "Slack"], ["feishu", "Feishu / Lark"],
  ["dingtalk", "DingTalk"], ["wecom", "WeCom"]];
const EVENTS = [["i_new", "new"], ["i_assign", "assigned"], ["i_esc", "escalated"], ["i_ack", "acknowledged"],
  ["i_unack", "unacknowledged"], ["i_snooze", "snoozed"], ["i_wake", "woke"], ["i_rslv", "resolved"],
  ["i_reopen", "reopened"], ["i_storm", "storm"], ["i_merge", "merged"]];

const EVENT_NAME = new Map(EVENTS);

const checks = (legend, opts, chosen, name) => h("fieldset", { class: "channel-pick", "data-field": name },
  h("legend", {}, legend),
  opts.map(([v, l]) => h("label", { class: "check" }, h("input", { type: "checkbox", value: v, checked: chosen.includes(v) }), l)),
  h("p", { class: "field-error", role: "alert" }));
const picked = (fs) => [...fs.querySelectorAll("input:checked")].map((x) => x.value);

export async function targetsTab(el, ctx) {
  const channels = await all("/channels");
  const chName = new Map(channels.map((c) => [c.id, c.name]));
  function targetForm(t, onSaved) {
    const name = h("input", { value: t ? t.name : "", required: true, maxlength: 100 });
    const kind = select(KINDS, t ? t.kind : "webhook");
    const url = h("input", { type: "url", value: t ? t.settings.url : "", required: true, placeholder: "https://…" });
    const secret = h("input", { type: "password", autocomplete: "new-password",
      placeholder: t && t.settings.has_secret ? "stored: leave empty to keep" : "none" });
    const clear = t && t.settings.has_secret ? h("input", { type: "checkbox" }) : null;
    const chans = checks("Subscribe to every incident event of these channels (optional)", channels.map((c) => [c.id, c.name]),
      t ? t.channel_ids : [], "channel_ids");
    const events = checks("Only these events (none: every event)", EVENTS, t && t.event_types ? t.event_types : [], "event_types");
    const form = h("form", { class: "target-form" },
      h("div", { class: "row" }, field("name", "Name", name), field("kind", "Kind", kind)),
      field("settings.url url", "URL", url),
      field("settings.secret secret", "Secret (signs the messages)", secret,
        t && t.settings.has_secret ? "A secret is stored; it is never shown." : "Write-only: never shown back."),
      clear ? h("label", { class: "check" }, clear, "Remove the stored secret") : null,
      chans, events,
      h("button", { type: "submit", class: "primary", "aria-label": t ? "Save notify target " + t.name : "Create notify target" },
        t ? "Save" : "Create notify target"),
      h("p", { class: "form-error", role: "alert" }));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const settings = { url: url.value.trim() };
      if (secret.value) settings.secret = secret.value;
      else if (clear && clear.checked) settings.secret = "";
      const ev = picked(events);
      const body = { name: name.value.trim(), kind: kind.value, settings, channel_ids: picked(chans), event_types: ev.length ? ev : null };
      try {
        const saved = t ? await api("PATCH", "/notify-targets/" + t.id, body) : await api("POST", "/notify-targets", body);
        status((t ? "Saved notify target " : "Created notify target ") + saved.name);
        await onSaved(saved);
      } catch (err) {
        showAt(form, err);
      }
    });
    return form;
  }
  await crud(el, ctx, {
    title: "Notify targets", noun: "notify target", plural: "notify targets", path: "/notify-targets",
    load: () => all("/notify-targets"),
    columns: [["Name", (t) => t.name], ["Kind", (t) => t.kind], ["URL", (t) => h("span", { class: "mono small" }, t.settings.url)],
      ["Secret", (t) => (t.settings.has_secret ? "set" : "none")],
      ["Subscribed to", (t) => t.channel_ids.map((id) => chName.get(id) || "#" + id).join(", ") || h("span", { class: "muted" }, "only when a level pages it")],
      ["Events", (t) => (t.event_types ? t.event_types.map((e) => EVENT_NAME.get(e) || e).join(", ") : "every event")]],
    form: targetForm,
  });
}
