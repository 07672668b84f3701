// pick.js - what the on-call and escalation forms share: choosing members,
// teams, schedules or targets by name (the API wants ids), and showing a
// refusal whose message names a nested path ("rules[0].levels[1].member_ids[0]:
// …", "layers[0].handoff …") next to that very field.
import { h, fill, field, showError, clearErrors } from "./dom.js";

// namePicker(items, chosenIds, {noun, owner, repeat}) → element with .value()
// (the ids, in the order chosen) and .refresh() (after the owner's name
// changed). Chosen names are chips with a remove button; a <select> adds
// one. With repeat, a name may be added more than once (a rotation may list
// a member twice). owner() names where the picker is, for unique accessible
// names: "Add member to rule 1, level 2", "Remove Alice from rule 1, level 2".
export function namePicker(items, chosen, opts) {
  const byId = new Map(items.map((x) => [String(x.id), x.name]));
  const ids = (chosen || []).map(String);
  const chips = h("ul", { class: "chips" });
  const add = h("select", { class: "pick-add" });
  const addBtn = h("button", { type: "button", class: "small" }, "Add");
  const el = h("div", { class: "picker" }, chips, h("div", { class: "pick-row" }, add, addBtn));
  function render() {
    const owner = opts.owner();
    fill(chips, ids.map((id, n) => h("li", { class: "chip" }, byId.get(id) || "#" + id,
      h("button", { type: "button", class: "icon", title: "Remove",
        "aria-label": "Remove " + (byId.get(id) || "#" + id) + (opts.repeat ? " (turn " + (n + 1) + ")" : "") + " from " + owner,
        onclick: () => { ids.splice(n, 1); render(); } }, "×"))));
    const left = items.filter((x) => opts.repeat || !ids.includes(String(x.id)));
    fill(add, left.length ? left.map((x) => h("option", { value: x.id }, x.name))
      : h("option", { value: "" }, "no " + opts.noun + " to add"));
    add.setAttribute("aria-label", "Choose " + opts.noun + " for " + owner);
    addBtn.setAttribute("aria-label", "Add " + opts.noun + " to " + owner);
    addBtn.disabled = !left.length;
  }
  // A button, not the select's change: arrowing through a closed <select>
  // fires change on every step.
  addBtn.addEventListener("click", () => {
    if (!add.value) return;
    ids.push(add.value);
    render();
    add.focus();
  });
  el.value = () => ids.slice();
  el.refresh = render;
  render();
  return el;
}

// Shows @err at the field its message names, descending through lists marked
// data-list="NAME" (their children are the items, in order): for
// "rules[1].levels[0].escalate_after_minutes must…" that is rule 2's level
// 1's [data-field~=escalate_after_minutes]. Falls back to the deepest item's
// own .form-error, then the form's. The whole message is shown.
export function showAt(form, err) {
  clearErrors(form);
  const msg = err && err.message ? err.message : String(err);
  let scope = form;
  let rest = msg;
  for (;;) {
    const m = /^([a-z_]+)\[(\d+)\]\.?/.exec(rest);
    if (!m) break;
    const list = scope.querySelector('[data-list="' + m[1] + '"]');
    const item = list ? list.children[Number(m[2])] : null;
    if (!item) break;
    scope = item;
    rest = rest.slice(m[0].length);
  }
  // "a member named \"x\" already exists" is about the name field.
  if (err && err.code === "Conflict" && / named /.test(rest)) rest = "name " + rest;
  let out = showError(scope, new Error(rest));
  // No field named: the item's own error line, not the first nested one.
  const own = scope.querySelector(":scope > .form-error");
  if (out.classList.contains("form-error") && own && out !== own) {
    out.textContent = "";
    out = own;
  }
  out.textContent = msg;
  out.scrollIntoView({ block: "nearest" });
  return out;
}

// Moves @li up (-1) or down (+1) among its siblings.
export function move(li, d) {
  const list = li.parentElement;
  const sib = d < 0 ? li.previousElementSibling : li.nextElementSibling;
  if (sib) list.insertBefore(li, d < 0 ? sib : sib.nextElementSibling);
}

// Unix seconds ⇄ the value of an <input type=datetime-local> (browser time).
export function toLocalInput(t) {
  const d = new Date(t * 1000);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

export function fromLocalInput(v) {
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

// A <datalist> of the browser's IANA zones, for timezone inputs.
export function zoneList() {
  let dl = document.getElementById("tz-list");
  if (!dl) {
    const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : ["UTC"];
    dl = h("datalist", { id: "tz-list" }, ["UTC", ...zones.filter((z) => z !== "UTC")].map((z) => h("option", { value: z })));
    document.body.appendChild(dl);
  }
  return dl.id;
}

// Names by id from a list, for showing ids the API answers.
export function names(items) {
  const m = new Map(items.map((x) => [String(x.id), x.name]));
  return (id) => (id === null || id === undefined ? "" : m.get(String(id)) || "#" + id);
}

// windowsEditor(windows, {list, days: [[value, "Mon"], …], tz, owner}) →
// element with .value(): weekly windows [{days, start, end, tz?}] (a
// schedule layer's restrictions, an escalation rule's time_window). The
// items sit in data-list=@list so showAt finds "…restrictions[1].days".
export function windowsEditor(windows, opts) {
  const list = h("ol", { class: "windows", "data-list": opts.list });
  const addBtn = h("button", { type: "button", class: "small", onclick: () => { list.appendChild(item({})); relabel(); } });
  function item(w) {
    const days = opts.days.map(([v, l]) => h("label", { class: "check day" },
      h("input", { type: "checkbox", value: v, checked: (w.days || []).includes(v) }), l));
    const start = h("input", { type: "time", value: w.start || "09:00", required: true });
    const end = h("input", { type: "time", value: w.end || "18:00", required: true });
    const tz = opts.tz ? h("input", { value: w.tz || "UTC", list: zoneList(), class: "tz", required: true }) : null;
    const rm = h("button", { type: "button", class: "icon", title: "Remove window", onclick: () => { li.remove(); relabel(); } }, "×");
    const li = h("li", { class: "window" },
      h("div", { class: "field", "data-field": "days" }, h("fieldset", { class: "days" }, h("legend", {}, "Days"), days),
        h("p", { class: "field-error", role: "alert" })),
      h("div", { class: "row" }, field("start", "From", start), field("end", "Until", end),
        tz ? field("tz", "Time zone", tz) : null, rm),
      h("p", { class: "form-error", role: "alert" }));
    li.read = () => {
      const out = { days: [...li.querySelectorAll(".days input:checked")].map((x) => Number(x.value)), start: start.value, end: end.value };
      if (tz) out.tz = tz.value.trim();
      return out;
    };
    li.rm = rm;
    return li;
  }
  function relabel() {
    const owner = opts.owner();
    [...list.children].forEach((li, n) => li.rm.setAttribute("aria-label", "Remove window " + (n + 1) + " of " + owner));
    addBtn.setAttribute("aria-label", "Add a window to " + owner);
    addBtn.textContent = "+ Window";
  }
  for (const w of windows || []) list.appendChild(item(w));
  const el = h("div", { class: "windows-editor" }, list, addBtn);
  el.value = () => [...list.children].map((li) => li.read());
  el.refresh = relabel;
  relabel();
  return el;
}

