// ruleform.js - what the Noise reduction sections share: refusals placed at
// the field a message names even when the name is quoted or comes late
// ("invalid time \"24:00\" in \"weekly[0].end\""), lists of keys, the text
// of a filter, and tables of rules refreshed in place (focus and open edit
// forms survive the refresh).
import { api } from "./api.js";
import { h, fill, showError, clearErrors, status } from "./dom.js";

const KEYS = ["severity", "title", "description", "alert_key", "integration_id", "labels."];

// The strings a message quotes: `unrecognized key "service"` → ["service"].
export function quoted(msg) {
  return [...String(msg).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
}

// Shows @e at the field wrapper pick(message) returns (an element holding a
// .field-error), else as showError() would: at the field the message starts
// with, else under the form.
export function placeError(form, e, pick) {
  const msg = e && e.message ? e.message : String(e);
  const at = pick ? pick(msg) : null;
  if (!at) return showError(form, e);
  clearErrors(form);
  const out = at.querySelector(".field-error");
  out.textContent = msg;
  at.classList.add("invalid");
  return out;
}

// The field whose data-field names a path the message quotes or starts with
// ("\"weekly[0].days\" must…", "… in \"weekly[1].end\""): the longest wins.
export function byPath(form, msg) {
  const lead = msg.replace(/^"/, "").split(/[":\s]/)[0];
  const cands = [lead, ...quoted(msg)].map((c) => c.toLowerCase()).filter((c) => c);
  let best = null;
  for (const f of form.querySelectorAll("[data-field]")) {
    for (const name of f.dataset.field.split(" ")) {
      for (const c of cands) {
        if ((c === name || c.startsWith(name + ".") || c.startsWith(name + "[")) && (!best || name.length > best.len)) {
          best = { f, len: name.length };
        }
      }
    }
  }
  return best ? best.f : null;
}

// A field wrapper for a composite control (a filter, a list of sets) with
// its own error line; names as for field().
export function group(name, label, ...children) {
  return h("div", { class: "field", "data-field": name }, h("span", { class: "label" }, label), ...children,
    h("p", { class: "field-error", role: "alert" }));
}

function keyList() {
  let dl = document.getElementById("rule-keys");
  if (!dl) {
    dl = h("datalist", { id: "rule-keys" }, KEYS.map((k) => h("option", { value: k })));
    document.body.appendChild(dl);
  }
  return dl.id;
}

// A text input for a list of keys: "labels.service, labels.cluster".
export function keysInput(keys, props) {
  const el = h("input", { value: (keys || []).join(", "), list: keyList(), placeholder: "labels.service, labels.cluster",
    spellcheck: "false", ...props });
  el.keys = () => el.value.split(",").map((k) => k.trim()).filter((k) => k !== "");
  return el;
}

// Comma-separated integers ("50, 500") → [50, 500]; anything else is kept
// as it was typed so the server's refusal names it.
export function numbers(text) {
  return text.split(",").map((x) => x.trim()).filter((x) => x !== "").map((x) => (/^-?\d+$/.test(x) ? Number(x) : x));
}

// An integer input's value, or undefined when blank (the server's default).
export function int(input) {
  const v = input.value.trim();
  if (v === "") return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

export function conditionText(c) {
  return c.key + (c.oper === "NOTIN" ? " not in " : " in ") + (c.vals || []).join(" | ");
}

// An OR of AND groups as one line of text.
export function filterText(f) {
  return (f || []).map((g) => (Array.isArray(g) ? g : [g]).map(conditionText).join(" and ")).join(" or ");
}

// The rule as PUT wants it: the answer minus the fields the server adds.
export function ruleBody(r) {
  const body = { ...r };
  for (const k of ["id", "channel_id", "hits", "created_at", "updated_at"]) delete body[k];
  return body;
}

// Keeps @tbody's rows in step with @items (keyed by id): a row is rebuilt
// only when its rule changed, a row being edited (data-editing) is left
// alone, and focus returns to the control of the same name after a rebuild.
// extra(item) adds to what counts as a change.
export function syncRows(tbody, items, render, extra) {
  const rows = new Map([...tbody.children].map((tr) => [tr.dataset.id, tr]));
  let prev = null;
  for (const it of items) {
    let tr = rows.get(it.id);
    rows.delete(it.id);
    const key = JSON.stringify(it) + (extra ? "\u0000" + extra(it) : "");
    if (!tr || (tr.dataset.key !== key && !tr.dataset.editing)) {
      const focused = tr && tr.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
      const next = render(it);
      next.dataset.id = it.id;
      next.dataset.key = key;
      if (tr) tr.replaceWith(next);
      tr = next;
      if (focused) {
        const again = [...tr.querySelectorAll("[aria-label]")].find((b) => b.getAttribute("aria-label") === focused);
        if (again) again.focus();
      }
    }
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (tr !== want) tbody.insertBefore(tr, want);
    prev = tr;
  }
  for (const tr of rows.values()) tr.remove();
}

// A channel's rules of one kind (silences, inhibit rules) as a table kept in
// step with the API: each row ends with Edit (the rule's form in place of
// the row), Enable / Disable (a PUT of the whole rule) and Delete (after a
// confirm); "New …" opens an empty form below the table. o:
//   what      "silence", "inhibit rule": in labels, messages and buttons
//   css       the table's own class ("silences", "inhibits")
//   base      the API path of the list
//   cols      the headings; cells(r) gives a row's cells but the last (Actions)
//   form(base, r, onSaved, onCancel) → the rule's form (r null: a new one)
//   extra(r)  syncRows' extra (what else makes a row change), optional
//   empty     the text of an empty list
// Returns { table, empty, add, slot, load }: the caller lays them out.
export function rulesTable(o) {
  const tbody = h("tbody");
  const table = h("table", { class: "grid rules " + o.css },
    h("thead", {}, h("tr", {}, o.cols.map((x) => h("th", {}, x)))), tbody);
  const empty = h("p", { class: "empty" }, o.empty);
  const slot = h("div");
  function row(r) {
    const errp = h("p", { class: "field-error", role: "alert" });
    const off = r.enabled === false;
    const name = o.what + " " + r.name;
    const run = (call, done) => async () => {
      try {
        await call();
        status(done);
        await load();
      } catch (e) {
        errp.textContent = e.message;
      }
    };
    const tr = h("tr", {}, o.cells(r),
      h("td", { class: "actions" },
        h("button", { type: "button", class: "small", "aria-label": "Edit " + name, onclick: () => edit(tr, r) }, "Edit"),
        h("button", { type: "button", class: "small", "aria-label": (off ? "Enable " : "Disable ") + name,
          onclick: run(() => api("PUT", o.base + "/" + r.id, { ...ruleBody(r), enabled: off }), (off ? "Enabled " : "Disabled ") + name) },
          off ? "Enable" : "Disable"),
        h("button", { type: "button", class: "danger small", "aria-label": "Delete " + name,
          onclick: async () => {
            if (confirm("Delete " + name + "?")) await run(() => api("DELETE", o.base + "/" + r.id), "Deleted " + name)();
          } }, "Delete"), errp));
    return tr;
  }
  function edit(tr, r) {
    const done = async () => {
      delete tr.dataset.editing;
      tr.dataset.key = "";
      await load();
      const again = tbody.querySelector("tr[data-id=\"" + r.id + "\"] button");
      if (again) again.focus();
    };
    tr.dataset.editing = "1";
    const form = o.form(o.base, r, done, done);
    fill(tr, h("td", { colspan: o.cols.length, class: "edit-cell" }, form));
    form.querySelector("input").focus();
  }
  async function load() {
    const data = await api("GET", o.base);
    syncRows(tbody, data.items, row, o.extra);
    empty.hidden = data.items.length > 0;
    table.hidden = data.items.length === 0;
  }
  const add = h("button", { type: "button", class: "primary", onclick: () => {
    if (slot.firstChild) return slot.querySelector("input").focus();
    const close = () => {
      fill(slot);
      add.focus();
    };
    const form = o.form(o.base, null, async () => { fill(slot); await load(); }, close);
    fill(slot, form);
    form.querySelector("input").focus();
  } }, "New " + o.what);
  return { table, empty, add, slot, load };
}
