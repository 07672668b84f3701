// integrations.js - integration cards (push URL with a Copy button, last
// event, counters), the channel's Add Integration flow, the Integration
// Center of shared integrations and their routing editor.
import { api, all } from "./api.js";
import { h, fill, field, showError, clearErrors, when, status, select } from "./dom.js";
import { filterEditor } from "./filter.js";
import { editorLinks, integrationTabs, crumbs } from "./rules.js";
import { setupSteps, setupDetails } from "./setup.js";

export const TYPES = [
  ["volcengine_rtc", "Volcengine RTC", "Alert callbacks of Volcengine RTC: paste the push URL as the alert rule's callback."],
  ["standard", "Standard", "Flashduty's standard alert event: any system that can POST JSON."],
  ["alertmanager", "Alertmanager", "Prometheus Alertmanager webhook (version 4): a webhook_configs url."],
];
const typeName = (t) => (TYPES.find((x) => x[0] === t) || [t, t])[1];

const COUNTERS = [
  ["events_accepted", "accepted"], ["events_dropped", "dropped"], ["events_inhibited", "inhibited"],
  ["refused_invalid", "invalid"], ["refused_no_route", "no route"], ["rate_limited", "rate limited"],
  ["unavailable", "unavailable"],
];

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    status("Push URL copied");
  } catch {
    input.focus();
    input.select();
    status("Copy is not allowed here: the URL is selected, press Ctrl+C");
  }
}

// A card: fill(i) updates it in place, so a refresh keeps focus.
function card(i, extra) {
  const url = h("input", { readonly: true, class: "push-url", "aria-label": "Push URL of " + i.name,
    value: i.push_url, onfocus: (e) => e.target.select() });
  const last = h("dd", { class: "last-event" });
  const counters = h("dl", { class: "counters" });
  const el = h("article", { class: "card integration", "data-id": i.id, tabindex: "-1" },
    h("header", {}, h("h3", {}, i.name), h("span", { class: "badge type" },
      h("span", { class: "type-logo tiny logo-" + i.type, "aria-hidden": "true" }), typeName(i.type))),
    h("div", { class: "copyrow" }, url,
      h("button", { type: "button", class: "primary", "aria-label": "Copy push URL of " + i.name,
        onclick: () => copy(url.value, url) }, "Copy")),
    h("dl", { class: "meta" }, h("dt", {}, "Last event"), last),
    counters, extra || null);
  el.fill = (x) => {
    if (url.value !== x.push_url) url.value = x.push_url;
    last.textContent = when(x.last_event_at);
    const s = x.stats || {};
    fill(counters, ...COUNTERS.map(([k, l]) => h("div", {}, h("dt", {}, l), h("dd", {}, s[k] || 0))));
  };
  el.fill(i);
  return el;
}

// The types with their logos (web/logo-*.svg, drawn by the style sheet)
// and, under them, the set-up steps of the one picked.
function typePicker(name) {
  const steps = h("section", { class: "setup-steps", "aria-live": "polite" });
  const show = (v) => fill(steps, h("h3", {}, "Set up " + typeName(v)), setupSteps(v, null));
  const fs = h("fieldset", { class: "types", "data-field": "type" }, h("legend", {}, "Type"),
    TYPES.map(([v, label, desc], n) => h("label", { class: "type-option" },
      h("input", { type: "radio", name, value: v, checked: n === 0, onchange: () => show(v) }),
      h("span", { class: "type-logo logo-" + v, "aria-hidden": "true" }),
      h("span", {}, h("strong", {}, label), h("span", { class: "muted small" }, desc)))),
    h("p", { class: "field-error", role: "alert" }));
  show(TYPES[0][0]);
  fs.steps = steps;
  return fs;
}

// Keeps a list of cards in step with the API, in place.
function cardList(box, load, extra) {
  const cards = new Map();
  return async function refresh() {
    const items = await load();
    for (const i of items) {
      let c = cards.get(i.id);
      if (!c) {
        c = card(i, extra ? extra(i) : null);
        cards.set(i.id, c);
      } else c.fill(i);
      box.appendChild(c);
    }
    for (const [id, c] of cards) {
      if (!items.find((i) => i.id === id)) {
        c.remove();
        cards.delete(id);
      }
    }
    box.dataset.count = items.length;
    return cards;
  };
}

function deleteButton(i, after) {
  return h("button", { type: "button", class: "danger small", "aria-label": "Delete integration " + i.name,
    onclick: async () => {
      if (!confirm("Delete integration " + i.name + "?")) return;
      await api("DELETE", "/integrations/" + i.id);
      status("Deleted integration " + i.name);
      after();
    } }, "Delete");
}

function addForm(onSave, extraFields) {
  const name = h("input", { required: true, maxlength: 59 });
  const types = typePicker("type-" + Math.random().toString(36).slice(2));
  const form = h("form", { class: "card add-integration" }, h("h2", {}, "Add Integration"),
    types, field("name", "Name", name),
    extraFields || null,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save"),
      h("button", { type: "button", onclick: () => form.remove() }, "Cancel")),
    h("p", { class: "form-error", role: "alert" }), types.steps);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const type = form.querySelector("input[type=radio]:checked").value;
    try {
      await onSave({ name: name.value.trim(), type }, form);
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

export async function integrationsTab(el, ctx, ch) {
  const box = h("div", { class: "cards" });
  const slot = h("div");
  const refresh = cardList(box, async () => (await all("/integrations")).filter((i) => i.channel_id === ch.id),
    (i) => [h("div", { class: "buttons" }, editorLinks(i), deleteButton(i, () => refresh())), setupDetails(i)]);
  const add = h("button", { type: "button", class: "primary", onclick: () => {
    if (slot.firstChild) return;
    const f = addForm(async (body, form) => {
      const created = await api("POST", "/integrations", { ...body, channel_id: ch.id });
      form.remove();
      status("Created integration " + created.name);
      const cards = await update();
      cards.get(created.id).querySelector("details.setup").open = true;
      cards.get(created.id).focus();
    });
    fill(slot, f);
    f.querySelector("input[type=radio]").focus();
  } }, "Add Integration");
  const empty = h("p", { class: "empty" }, "No integrations: add one to get a push URL.");
  const update = async () => {
    const cards = await refresh();
    empty.hidden = cards.size > 0;
    return cards;
  };
  fill(el, h("div", { class: "toolbar" }, add), slot, empty, box);
  await update();
  ctx.every(4000, () => update().catch(() => {}));
}

function channelPicker(channels, chosen, label) {
  return h("fieldset", { class: "channel-pick" }, h("legend", {}, label),
    channels.length ? channels.map((c) => h("label", { class: "check" },
      h("input", { type: "checkbox", value: c.id, checked: chosen.includes(c.id) }), c.name))
      : h("p", { class: "muted" }, "No channels yet: create one first."));
}
const picked = (fs) => [...fs.querySelectorAll("input:checked")].map((x) => x.value);

export function centerPage() {
  return async (el, ctx) => {
    const channels = await all("/channels");
    const box = h("div", { class: "cards" });
    const slot = h("div");
    const refresh = cardList(box, async () => (await all("/integrations")).filter((i) => i.channel_id === null),
      (i) => [h("div", { class: "buttons" }, editorLinks(i), deleteButton(i, () => refresh())), setupDetails(i)]);
    const add = h("button", { type: "button", class: "primary", onclick: () => {
      if (slot.firstChild) return;
      const def = channelPicker(channels, [], "Default route: channels");
      const wrap = h("div", { "data-field": "default cases channel_id routes" }, def, h("p", { class: "field-error", role: "alert" }));
      const f = addForm(async (body, form) => {
        const created = await api("POST", "/integrations", body);
        try {
          await api("PUT", "/integrations/" + created.id + "/routes", { cases: [], default: { channel_ids: picked(def) } });
        } catch (e) {
          location.hash = "#/integrations/" + created.id + "/routing";
          throw e;
        }
        form.remove();
        status("Created shared integration " + created.name);
        const cards = await refresh();
        cards.get(created.id).querySelector("details.setup").open = true;
        cards.get(created.id).focus();
      }, wrap);
      fill(slot, f);
      f.querySelector("input[type=radio]").focus();
    } }, "Add shared integration");
    fill(el, h("h1", {}, "Integration Center"),
      h("p", { class: "muted" }, "Shared integrations route each alert event to channels by its content."),
      h("div", { class: "toolbar" }, add), slot, box);
    await refresh();
    ctx.every(4000, () => refresh().catch(() => {}));
  };
}

export function routingPage(id) {
  return async (el) => {
    const [i, routes, channels] = await Promise.all([api("GET", "/integrations/" + id),
      api("GET", "/integrations/" + id + "/routes"), all("/channels")]);
    const list = h("ol", { class: "cases" });
    function caseItem(c) {
      const filter = filterEditor(c.if || [], "Condition");
      const chans = channelPicker(channels, (c.channel_ids || []).map(String), "Send to channels");
      const stop = select([["true", "continue matching"], ["false", "stop matching"]],
        c.fallthrough === false ? "false" : "true", { "aria-label": "After a match" });
      const li = h("li", { class: "card case" });
      const move = (d) => {
        const sib = d < 0 ? li.previousElementSibling : li.nextElementSibling;
        if (sib) list.insertBefore(li, d < 0 ? sib : sib.nextElementSibling);
        renumber();
      };
      li.append(h("header", {}, h("h3", { class: "case-title" }),
        h("div", { class: "buttons" },
          h("button", { type: "button", class: "small", "aria-label": "Move case up", onclick: () => move(-1) }, "↑"),
          h("button", { type: "button", class: "small", "aria-label": "Move case down", onclick: () => move(1) }, "↓"),
          h("button", { type: "button", class: "small danger", "aria-label": "Remove case", onclick: () => { li.remove(); renumber(); } }, "Remove"))),
        h("div", { "data-field": "if filter" }, filter, h("p", { class: "field-error", role: "alert" })), chans, field("fallthrough", "After a match", stop));
      li.read = () => ({ if: filter.value(), channel_ids: picked(chans), fallthrough: stop.value === "true" });
      return li;
    }
    function renumber() {
      [...list.children].forEach((li, n) => {
        li.querySelector(".case-title").textContent = "Case " + (n + 1);
        for (const b of li.querySelectorAll("button[aria-label]")) {
          b.setAttribute("aria-label", b.getAttribute("aria-label").replace(/( case)( \d+)?$/, "$1 " + (n + 1)));
        }
      });
    }
    for (const c of routes.cases || []) list.appendChild(caseItem(c));
    renumber();
    const def = channelPicker(channels, (routes.default.channel_ids || []).map(String), "Default route: channels");
    const form = h("form", { class: "routing" },
      h("div", { "data-field": "cases" }, list, h("p", { class: "field-error", role: "alert" })),
      h("button", { type: "button", onclick: () => { list.appendChild(caseItem({})); renumber(); } }, "Add routing case"),
      h("section", { class: "card", "data-field": "default channel_id" }, h("h2", {}, "Default route"),
        h("p", { class: "muted small" }, "Used when no case matched."), def, h("p", { class: "field-error", role: "alert" })),
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save routes")),
      h("p", { class: "form-error", role: "alert" }));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      const body = { cases: [...list.children].map((li) => li.read()), default: { channel_ids: picked(def) } };
      try {
        await api("PUT", "/integrations/" + id + "/routes", body);
        status("Saved the routes of " + i.name);
      } catch (err) {
        const m = /^cases\[(\d+)\]/.exec(err.message);
        const li = m ? list.children[Number(m[1])] : null;
        if (li) {
          let out = li.querySelector(".case-error");
          if (!out) li.appendChild(out = h("p", { class: "field-error case-error", role: "alert" }));
          out.textContent = err.message;
        } else showError(form, err);
      }
    });
    fill(el, await crumbs(i, "routing"),
      h("h1", {}, "Routing: " + i.name), integrationTabs(i, "routing"), h("p", { class: "muted" }, "Cases run in order; the first match stops unless it continues."),
      card(i), form);
  };
}
