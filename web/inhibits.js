// inhibits.js - a channel's inhibit rules (api.md §2.6.5): while a source
// alert (matching the source filter) is live, a new target alert (matching
// the target filter) with equal values of the `equals` keys is held. List
// with hits; create and edit with two filter forms and the equal keys;
// enable / disable (PUT of the whole rule); delete.
import { api } from "./api.js";
import { h, fill, field, clearErrors, status, select } from "./dom.js";
import { filterEditor } from "./filter.js";
import { placeError, group, quoted, keysInput, filterText, ruleBody, rulesTable } from "./ruleform.js";

// "filter group G condition C: … \"V\"" does not say which of the two
// filters it is about. The server compiles the source first, so it is the
// source unless only the target holds V at that place.
function filterBox(msg, src, tgt, srcBox, tgtBox) {
  const m = /^filter (?:group (\d+))?(?: condition (\d+))?/.exec(msg);
  if (!m) return null;
  const q = quoted(msg)[0];
  const holds = (f) => {
    const g = m[1] ? f[Number(m[1]) - 1] : null;
    if (!g) return false;
    const conds = m[2] ? [g[Number(m[2]) - 1]].filter(Boolean) : g;
    if (q === undefined) return conds.length > 0;
    const same = (v) => String(v).slice(0, 32) === q.slice(0, 32);
    return conds.some((c) => same(c.key) || same(c.oper) || c.vals.some(same));
  };
  if (!holds(src.value()) && holds(tgt.value())) return tgtBox;
  return srcBox;
}

export function inhibitForm(base, r, onSaved, onCancel) {
  const name = h("input", { required: true, maxlength: 39, value: r ? r.name : "" });
  const src = filterEditor(r ? r.source_filters : [], "Source filter");
  const tgt = filterEditor(r ? r.target_filters : [], "Target filter");
  const equals = keysInput(r ? r.equals : ["labels.host"], { required: true });
  const mode = select([["mark", "mark (kept, in no incident)"], ["drop", "drop (not stored)"]], (r && r.mode) || "mark");
  const enabled = h("input", { type: "checkbox", checked: !r || r.enabled !== false });
  const srcBox = group("source_filters", "Source: while an open alert matches", src);
  const tgtBox = group("target_filters", "Target: hold new alerts that match", tgt);
  const label = r ? "Save inhibit rule " + r.name : "Create inhibit rule";
  const form = h("form", { class: r ? "inhibit-form editing" : "inhibit-form new-rule" },
    h(r ? "h3" : "h2", {}, r ? "Edit inhibit rule " + r.name : "New inhibit rule"),
    field("name", "Name", name), srcBox, tgtBox,
    field("equals", "Equal labels", equals, "1 to 5 keys whose values must be the same in source and target, e.g. labels.host."),
    h("div", { class: "row" }, field("mode", "Mode", mode),
      h("div", { class: "field", "data-field": "enabled" }, h("label", { class: "check" }, enabled, "Enabled"),
        h("p", { class: "field-error", role: "alert" }))),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "aria-label": label }, r ? "Save" : "Create inhibit rule"),
      h("button", { type: "button", "aria-label": r ? "Cancel editing inhibit rule " + r.name : "Cancel new inhibit rule", onclick: onCancel }, "Cancel")),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { ...(r ? ruleBody(r) : {}), name: name.value.trim(), source_filters: src.value(), target_filters: tgt.value(),
      equals: equals.keys(), mode: mode.value, enabled: enabled.checked };
    try {
      const saved = r ? await api("PUT", base + "/" + r.id, body) : await api("POST", base, body);
      status((r ? "Saved inhibit rule " : "Created inhibit rule ") + saved.name);
      await onSaved(saved);
    } catch (err) {
      placeError(form, err, (msg) => filterBox(msg, src, tgt, srcBox, tgtBox));
    }
  });
  return form;
}

const COLS = ["Name", "Source", "Target", "Equal", "Mode", "Hits", "Actions"];

export async function inhibitsSection(el, ctx, ch) {
  const { table, empty, add, slot, load } = rulesTable({
    what: "inhibit rule", css: "inhibits", base: "/channels/" + ch.id + "/inhibits", cols: COLS,
    empty: "No inhibit rules.", form: inhibitForm,
    cells: (r) => [
      h("td", { "data-label": "Name" }, r.name, r.enabled === false ? h("span", { class: "badge state-off" }, "disabled") : null),
      h("td", { "data-label": "Source" }, filterText(r.source_filters)),
      h("td", { "data-label": "Target" }, filterText(r.target_filters)),
      h("td", { "data-label": "Equal" }, (r.equals || []).join(", ")),
      h("td", { "data-label": "Mode" }, r.mode || "mark"),
      h("td", { "data-label": "Hits", class: "hits" }, r.hits)],
  });
  fill(el, h("h2", { tabindex: "-1" }, "Inhibits"),
    h("p", { class: "muted" }, "While a source alert is open (not acknowledged, not held, an event within 10 minutes), new target alerts with the same values of the equal labels are held. A rule sees a source from its next event after the rule is saved."),
    h("div", { class: "table-wrap" }, table), empty, h("div", { class: "toolbar" }, add), slot);
  await load();
  ctx.every(5000, () => load().catch(() => {}));
}
