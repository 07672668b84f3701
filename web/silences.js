// silences.js - a channel's Noise reduction tab: its silences (list with
// hits, create with the filter form and a one-time window, delete).
import { api } from "./api.js";
import { h, fill, field, showError, clearErrors, when, status, select } from "./dom.js";
import { filterEditor } from "./filter.js";

function local(t) {
  const d = new Date(t * 1000);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

function describe(s) {
  if (s.time) return when(s.time.start) + " – " + when(s.time.end);
  if (s.weekly) return "weekly: " + s.weekly.map((w) => (w.days || []).join(",") + " " + w.start + "–" + w.end + " " + (w.tz || "UTC")).join("; ");
  return "";
}

function conditions(f) {
  return (f || []).map((g) => g.map((c) => c.key + (c.oper === "NOTIN" ? " not in " : " in ") + c.vals.join(" | ")).join(" and ")).join(" or ");
}

export async function silencesTab(el, ctx, ch) {
  const base = "/channels/" + ch.id + "/silences";
  const tbody = h("tbody");
  const empty = h("p", { class: "empty" }, "No silences.");
  async function load() {
    const data = await api("GET", base);
    fill(tbody, ...data.items.map((s) => {
      const err = h("p", { class: "field-error", role: "alert" });
      return h("tr", { "data-id": s.id },
        h("td", { "data-label": "Name" }, s.name),
        h("td", { "data-label": "Filter" }, conditions(s.filters)),
        h("td", { "data-label": "Window" }, describe(s)),
        h("td", { "data-label": "Mode" }, s.mode || "mark", s.enabled === false ? " (disabled)" : ""),
        h("td", { "data-label": "Hits", class: "hits" }, s.hits),
        h("td", { class: "actions" }, h("button", { type: "button", class: "danger small", "aria-label": "Delete silence " + s.name,
          onclick: async () => {
            try {
              await api("DELETE", base + "/" + s.id);
              status("Deleted silence " + s.name);
              await load();
            } catch (e) {
              err.textContent = e.message;
            }
          } }, "Delete"), err));
    }));
    empty.hidden = data.items.length > 0;
    tbody.parentElement.hidden = data.items.length === 0;
  }
  const now = Math.floor(Date.now() / 1000);
  const name = h("input", { required: true, maxlength: 39 });
  const filter = filterEditor([], "Silence filter");
  const start = h("input", { type: "datetime-local", value: local(now) });
  const end = h("input", { type: "datetime-local", value: local(now + 2 * 3600) });
  const mode = select([["mark", "mark (kept, in no incident)"], ["drop", "drop (not stored)"]], "mark");
  const form = h("form", { class: "card silence-form" }, h("h2", {}, "New silence"),
    field("name", "Name", name),
    h("div", { class: "field", "data-field": "filters filter" }, h("span", { class: "label" }, "Silence alerts where"), filter,
      h("p", { class: "field-error", role: "alert" })),
    h("div", { class: "row" }, field("time.start time start", "From", start), field("time.end end", "Until", end)),
    field("mode", "Mode", mode),
    h("button", { type: "submit", class: "primary" }, "Create silence"),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const t = (x) => Math.floor(new Date(x.value).getTime() / 1000);
    try {
      const s = await api("POST", base, { name: name.value.trim(), filters: filter.value(),
        time: { start: t(start), end: t(end) }, mode: mode.value });
      status("Created silence " + s.name);
      name.value = "";
      await load();
    } catch (err) {
      showError(form, err);
    }
  });
  fill(el, h("h2", {}, "Silences"),
    h("div", { class: "table-wrap" }, h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, ["Name", "Filter", "Window", "Mode", "Hits", "Actions"].map((x) => h("th", {}, x)))), tbody)),
    empty, form);
  await load();
  ctx.every(5000, () => load().catch(() => {}));
}
