// filter.js - the filter form: an OR of AND-groups of conditions, each a
// field, match / not match and values (api.md §3), with the raw JSON for
// power users.
import { h, fill, select, uid } from "./dom.js";

const FIELDS = ["severity", "title", "description", "alert_key", "integration_id", "labels."];

function fieldList() {
  let dl = document.getElementById("filter-fields");
  if (!dl) {
    dl = h("datalist", { id: "filter-fields" }, FIELDS.map((f) => h("option", { value: f })));
    document.body.appendChild(dl);
  }
  return dl.id;
}

function condition(c, onRemove) {
  const key = h("input", { value: c.key || "", list: fieldList(), placeholder: "labels.service",
    "aria-label": "Field", class: "cond-key", required: true });
  const oper = select([["IN", "matches"], ["NOTIN", "does not match"]], c.oper || "IN",
    { "aria-label": "Match", class: "cond-oper" });
  const vals = h("input", { value: (c.vals || []).join(", "), placeholder: "payment, /^db-/",
    "aria-label": "Values (comma separated)", class: "cond-vals", required: true });
  const row = h("div", { class: "cond" }, key, oper, vals);
  row.appendChild(h("button", { type: "button", class: "icon",
    "aria-label": "Remove condition", title: "Remove condition", onclick: () => onRemove(row) }, "×"));
  row.read = () => ({ key: key.value.trim(), oper: oper.value,
    vals: vals.value.split(",").map((v) => v.trim()).filter((v) => v !== "") });
  return row;
}

// filterEditor(initial) → element with .value() (the FILTER) and .set(FILTER).
// With opts.single (or opts.and) the filter is one AND group ([cond, …], a
// grouping case's or an enrichment rule's `if`): no OR groups, and blank
// conditions are left out, as an empty `if` matches every alert.
export function filterEditor(initial, legend, opts) {
  const single = !!(opts && (opts.single || opts.and));
  // A grouping case (single) starts with no condition; an enrichment rule's
  // `if` (and) is shown once asked for, so it starts with one to fill in.
  const startEmpty = !!(opts && opts.single);
  const groups = h("div", { class: "groups" });
  const raw = h("textarea", { rows: 5, spellcheck: "false", "aria-label": "Filter as JSON",
    class: "raw" });
  const details = h("details", { class: "rawjson" }, h("summary", {}, "Raw JSON"), raw,
    h("button", { type: "button", "aria-label": "Apply JSON to " + (legend || "Filter"),
      onclick: () => { try { set(JSON.parse(raw.value)); } catch (e) { raw.setCustomValidity(e.message); raw.reportValidity(); } } }, "Apply JSON"));
  raw.addEventListener("input", () => raw.setCustomValidity(""));

  function addGroup(conds) {
    const g = h("fieldset", { class: "group" }, h("legend", {}, "All of"));
    const list = h("div", { class: "conds" });
    const remove = (row) => {
      row.remove();
      if (!list.children.length && !single) g.remove();
      relabel();
    };
    for (const c of conds.length || startEmpty ? conds : [{}]) list.appendChild(condition(c, remove));
    g.appendChild(list);
    g.appendChild(h("button", { type: "button", class: "small add-cond",
      onclick: () => { list.appendChild(condition({}, remove)); relabel(); } }, "+ And condition"));
    groups.appendChild(g);
    relabel();
  }
  // Every button is named after its place and its filter ("Remove
  // condition 2 of group 1, Source filter"), so that a page with several
  // filters has no two buttons of one name.
  const name = legend || "Filter";
  function relabel() {
    [...groups.children].forEach((g, i) => {
      const where = single ? name : "group " + (i + 1) + ", " + name;
      g.querySelector("legend").textContent = single ? "All of" : (i ? "Or all of (group " : "All of (group ") + (i + 1) + ")";
      g.querySelector(".add-cond").setAttribute("aria-label", "+ And condition in " + where);
      [...g.querySelectorAll(".cond")].forEach((row, j) => {
        row.querySelector("button.icon").setAttribute("aria-label", "Remove condition " + (j + 1) + " of " + where);
      });
    });
  }
  function value() {
    const all = [...groups.children].map((g) => [...g.querySelectorAll(".cond")].map((r) => r.read()))
      .filter((g) => g.length);
    if (single) return (all[0] || []).filter((c) => c.key !== "" || c.vals.length);
    return all;
  }
  function set(f) {
    fill(groups);
    for (const g of (single ? [f || []] : f || [])) addGroup(g);
    if (!groups.children.length) addGroup([]);
  }
  details.addEventListener("toggle", () => {
    if (details.open) raw.value = JSON.stringify(value(), null, 1);
  });
  const id = uid("filter");
  const el = h("div", { class: "filter", id, role: "group", "aria-label": legend || "Filter" },
    groups,
    single ? null : h("button", { type: "button", class: "small", "aria-label": "+ Or group in " + (legend || "Filter"),
      onclick: () => addGroup([]) }, "+ Or group"),
    details);
  el.value = value;
  el.set = set;
  set(initial);
  return el;
}
