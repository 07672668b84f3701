// channels.js - the Channels list (create, edit, delete) and a Channel page
// with its tabs: Incidents, Integrations, Noise reduction, Escalation,
// Auto-resolve.
import { api, all } from "./api.js";
import { h, fill, field, showError, clearErrors, status } from "./dom.js";
import { incidentTable } from "./incidents.js";
import { integrationsTab } from "./integrations.js";
import { noiseTab } from "./noise.js";
import { escalationTab } from "./escalation.js";
import { autoResolveTab } from "./autoresolve.js";

function channelForm(ch, onSaved) {
  const name = h("input", { value: ch ? ch.name : "", required: true, maxlength: 59 });
  const desc = h("input", { value: ch ? ch.description : "" });
  const label = ch ? "Save channel " + ch.name : "Create channel";
  const form = h("form", { class: "inline-form" },
    field("name", "Name", name), field("description", "Description", desc),
    h("button", { type: "submit", class: "primary", "aria-label": label }, ch ? "Save" : "Create channel"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), description: desc.value };
    try {
      const saved = ch ? await api("PATCH", "/channels/" + ch.id, body) : await api("POST", "/channels", body);
      status((ch ? "Saved channel " : "Created channel ") + saved.name);
      onSaved(saved);
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}

export function channelsPage() {
  return async (el) => {
    const list = h("div", { class: "list" });
    async function load() {
      const channels = await all("/channels");
      fill(list, channels.length ? table(channels) : h("p", { class: "empty" }, "No channels yet."));
    }
    function table(channels) {
      return h("table", { class: "grid" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Description"), h("th", {}, "Actions"))),
        h("tbody", {}, channels.map(row)));
    }
    function row(c) {
      const err = h("p", { class: "field-error", role: "alert" });
      const tr = h("tr", { "data-id": c.id },
        h("td", { "data-label": "Name" }, h("a", { href: "#/channels/" + c.id }, c.name)),
        h("td", { "data-label": "Description" }, c.description),
        h("td", { class: "actions" },
          h("button", { type: "button", "aria-label": "Edit channel " + c.name, onclick: edit }, "Edit"),
          h("button", { type: "button", class: "danger", "aria-label": "Delete channel " + c.name, onclick: del }, "Delete"),
          err));
      function edit() {
        const form = channelForm(c, load);
        form.appendChild(h("button", { type: "button", onclick: load, "aria-label": "Cancel editing " + c.name }, "Cancel"));
        fill(tr, h("td", { colspan: 3 }, form));
        form.querySelector("input").focus();
      }
      async function del() {
        if (!confirm("Delete channel " + c.name + "?")) return;
        try {
          await api("DELETE", "/channels/" + c.id);
          status("Deleted channel " + c.name);
          await load();
        } catch (e) {
          err.textContent = e.message;
        }
      }
      return tr;
    }
    fill(el, 
      h("h1", {}, "Channels"),
      h("section", { class: "card" }, h("h2", {}, "New channel"),
        channelForm(null, (c) => { location.hash = "#/channels/" + c.id + "/integrations"; })),
      h("section", { class: "card" }, list));
    await load();
  };
}

const TABS = [["incidents", "Incidents"], ["integrations", "Integrations"], ["noise", "Noise reduction"],
  ["escalation", "Escalation"], ["auto-resolve", "Auto-resolve"]];

export function channelPage(id, tab) {
  return async (el, ctx) => {
    const ch = await api("GET", "/channels/" + id);
    const body = h("div", { class: "tab-body", id: "tab-body", role: "tabpanel" });
    fill(el, 
      h("p", { class: "crumbs" }, h("a", { href: "#/channels" }, "Channels"), " / "),
      h("h1", {}, ch.name),
      ch.description ? h("p", { class: "muted" }, ch.description) : null,
      h("nav", { class: "tabs", "aria-label": "Channel sections" },
        TABS.map(([t, label]) => h("a", { href: "#/channels/" + id + "/" + t,
          "aria-current": t === tab ? "page" : null }, label))),
      body);
    if (tab === "incidents") await incidentTable(body, ctx, { channel: ch });
    else if (tab === "integrations") await integrationsTab(body, ctx, ch);
    else if (tab === "escalation") await escalationTab(body, ctx, ch);
    else if (tab === "auto-resolve") await autoResolveTab(body, ctx, ch);
    else await noiseTab(body, ctx, ch);
  };
}
