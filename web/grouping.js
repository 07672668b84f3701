// grouping.js - a channel's grouping (api.md §2.6.2): the method, the default
// dimension sets, the cases (a filter and a set of their own, tried first, in
// order), the window, strict mode, storm thresholds and the cap; Save (PUT),
// and Preview: the candidate replayed over the channel's recent events
// (POST …/grouping/preview), shown as the incidents it would have made.
import { api } from "./api.js";
import { h, fill, field, clearErrors, when, status, select, severityBadge, plural } from "./dom.js";
import { filterEditor } from "./filter.js";
import { placeError, group, quoted, keysInput, numbers, int } from "./ruleform.js";

// A list of rows that can be added (up to @max), removed and renumbered.
function rowList(max, make, addLabel) {
  const list = h("ol", { class: "rows" });
  const add = h("button", { type: "button", class: "small", onclick: () => { push(); list.lastChild.querySelector("input").focus(); } }, addLabel);
  const renumber = () => {
    [...list.children].forEach((li, n) => li.number(n));
    add.hidden = list.children.length >= max;
  };
  const push = (v) => {
    const li = make(v, () => { li.remove(); renumber(); }, (d) => {
      const sib = d < 0 ? li.previousElementSibling : li.nextElementSibling;
      const focused = document.activeElement;
      if (sib) list.insertBefore(li, d < 0 ? sib : sib.nextElementSibling);
      renumber();
      if (li.contains(focused)) focused.focus(); // moving a node blurs it
    });
    list.appendChild(li);
    renumber();
  };
  return { list, add, push, items: () => [...list.children] };
}

function setRow(keys, remove) {
  const input = keysInput(keys, { required: true });
  const del = h("button", { type: "button", class: "small icon", onclick: remove }, "×");
  const li = h("li", { class: "field set-row" }, h("div", { class: "set-line" }, input, del),
    h("p", { class: "field-error", role: "alert" }));
  li.number = (n) => {
    input.setAttribute("aria-label", "Dimension set " + (n + 1));
    del.setAttribute("aria-label", "Remove dimension set " + (n + 1));
    del.title = "Remove dimension set " + (n + 1);
  };
  li.read = () => input.keys();
  return li;
}

function caseRow(c, remove, move) {
  c = c || {};
  const filter = filterEditor(c.if || [], "Case condition", { single: true });
  const keys = keysInput(c.equals || [], { required: true });
  const title = h("h3", {});
  const buttons = [["up", "↑", () => move(-1)], ["down", "↓", () => move(1)], ["remove", "Remove", remove]]
    .map(([k, t, fn]) => h("button", { type: "button", class: "small" + (k === "remove" ? " danger" : ""), "data-k": k, onclick: fn }, t));
  const ifBox = group("", "When all of these match (none: every alert)", filter);
  const eqBox = field("", "Group by", keys, "One set of keys, e.g. labels.service, severity.");
  // Placed by pick(), not by name: no data-field that a message could match.
  ifBox.removeAttribute("data-field");
  eqBox.removeAttribute("data-field");
  const li = h("li", { class: "case-item" }, h("header", {}, title, h("div", { class: "buttons" }, buttons)), ifBox, eqBox);
  li.number = (n) => {
    title.textContent = "Case " + (n + 1);
    const names = { up: "Move case " + (n + 1) + " up", down: "Move case " + (n + 1) + " down", remove: "Remove case " + (n + 1) };
    for (const b of buttons) b.setAttribute("aria-label", names[b.dataset.k]);
    filter.setAttribute("aria-label", "Condition of case " + (n + 1));
    keys.setAttribute("aria-label", "Group by keys of case " + (n + 1));
  };
  li.read = () => ({ if: filter.value(), equals: keys.keys() });
  li.ifBox = ifBox;
  li.eqBox = eqBox;
  return li;
}

function previewTable(data) {
  const incs = data.incidents || [];
  return h("div", { class: "preview-result" },
    h("p", { class: "preview-summary" }, "Replayed " + plural(data.events_replayed, "recent event") + ": " +
      plural(incs.length, "incident") + " would have opened" + (incs.length ? ", oldest first." : ".")),
    incs.length ? h("div", { class: "table-wrap" }, h("table", { class: "grid preview" },
      h("thead", {}, h("tr", {}, ["#", "Incident", "Alerts", "Events", "Started"].map((x) => h("th", {}, x)))),
      h("tbody", {}, incs.map((i, n) => h("tr", {},
        h("td", { "data-label": "#" }, n + 1),
        h("td", { "data-label": "Incident" }, severityBadge(i.severity), " ", i.title,
          i.group_key ? h("span", { class: "muted small block" }, "group key " + i.group_key.slice(0, 12)) : null),
        h("td", { "data-label": "Alerts" }, h("span", { class: "count" }, i.alert_count),
          h("ul", { class: "preview-alerts" }, (i.alerts || []).map((a) => h("li", {},
            h("code", {}, a.alert_key), " ", a.title, a.status === "Ok" ? " (recovered)" : "")))),
        h("td", { "data-label": "Events" }, i.event_count),
        h("td", { "data-label": "Started" }, when(i.start_time))))))) : null);
}

export async function groupingSection(el, ch) {
  const path = "/channels/" + ch.id + "/grouping";
  let saved = await api("GET", path);
  const method = select([["none", "Off (each new alert opens an incident)"], ["rules", "By rules (equal values share an incident)"]], "none");
  const sets = rowList(5, setRow, "+ Add dimension set");
  const cases = rowList(100, caseRow, "+ Add case");
  const minutes = h("input", { type: "number", min: 0, max: 43200, step: 1, inputmode: "numeric" });
  const wtype = select([["tumbling", "tumbling: from the incident's start"], ["sliding", "sliding: from the last alert that joined"]], "tumbling");
  const strict = h("input", { type: "checkbox" });
  const storm = h("input", { inputmode: "numeric", placeholder: "50, 500", spellcheck: "false" });
  const cap = h("input", { type: "number", min: 1, max: 100000, step: 1, placeholder: "5000", inputmode: "numeric" });
  const result = h("div", { class: "preview-out", "aria-live": "polite" });
  const rules = h("div", { class: "rules-box" },
    h("div", { class: "field", "data-field": "equals" }, h("span", { class: "label" }, "Group alerts with equal values in any of these sets"),
      h("p", { class: "hint" }, "Tried in order; each set is 1 to 5 keys, e.g. labels.service or labels.cluster, labels.check."),
      sets.list, sets.add, h("p", { class: "field-error", role: "alert" })),
    h("div", { class: "field", "data-field": "cases" }, h("span", { class: "label" }, "Cases"),
      h("p", { class: "hint" }, "Tried before the sets above: the first case whose condition matches groups by its own keys only."),
      cases.list, cases.add, h("p", { class: "field-error", role: "alert" })));
  const form = h("form", { class: "grouping-form" },
    field("method", "Method", method), rules,
    h("div", { class: "row" },
      field("window_minutes", "Window (minutes)", minutes, "How long an incident takes new alerts; 0 or blank: until it closes."),
      field("window_type", "Window counted", wtype)),
    h("div", { class: "field", "data-field": "strict" }, h("label", { class: "check" }, strict,
      "Strict: skip a set when one of the alert's values is missing or empty"), h("p", { class: "field-error", role: "alert" })),
    h("div", { class: "row" },
      field("storm_thresholds", "Storm thresholds", storm, "Up to 5 alert counts (2 to 10000) that add a storm entry to the timeline."),
      field("max_alerts_per_incident", "Max alerts per incident", cap, "1 to 100000; blank: 5000.")),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save grouping"),
      h("button", { type: "button", onclick: preview }, "Preview grouping")),
    h("p", { class: "form-error", role: "alert" }), result);

  function set(g) {
    method.value = g.method === "rules" ? "rules" : "none";
    fill(sets.list);
    for (const s of g.equals || []) sets.push(s);
    if (!sets.items().length) sets.push([]);
    fill(cases.list);
    for (const c of g.cases || []) cases.push(c);
    cases.add.hidden = false;
    minutes.value = g.window_minutes ?? "";
    wtype.value = g.window_type === "sliding" ? "sliding" : "tumbling";
    strict.checked = g.strict === true;
    storm.value = (g.storm_thresholds || []).join(", ");
    cap.value = g.max_alerts_per_incident ?? "";
    sync();
  }
  function sync() {
    rules.hidden = method.value !== "rules";
    for (const i of rules.querySelectorAll("input")) i.disabled = rules.hidden;
  }
  method.addEventListener("change", sync);

  // The configuration in the form; fields the console does not know stay as
  // they were saved (GET answers the last body unchanged).
  function read() {
    const body = { ...saved, method: method.value };
    const eq = sets.items().map((li) => li.read()).filter((s) => s.length);
    const cs = cases.items().map((li) => li.read());
    const opt = { equals: eq.length ? eq : undefined, cases: cs.length ? cs : undefined, window_minutes: int(minutes),
      window_type: wtype.value, strict: strict.checked, storm_thresholds: storm.value.trim() ? numbers(storm.value) : undefined,
      max_alerts_per_incident: int(cap) };
    for (const [k, v] of Object.entries(opt)) {
      if (v === undefined) delete body[k];
      else body[k] = v;
    }
    if (body.method === "none" && !eq.length) delete body.equals;
    return body;
  }

  // "equals: unrecognized key \"X\"" → the set holding X; "cases[].equals: …
  // \"X\"" → the case grouping by X; "filter condition N: … \"V\"" → the case
  // whose condition N holds V.
  function pick(msg) {
    const q = quoted(msg)[0];
    if (msg.startsWith("equals:")) {
      const li = sets.items().find((x) => x.read().includes(q));
      return li || null;
    }
    if (msg.startsWith("cases[].equals")) {
      const li = cases.items().find((x) => x.read().equals.includes(q));
      return li ? li.eqBox : form.querySelector("[data-field=cases]");
    }
    const m = /^filter condition (\d+)/.exec(msg);
    if (m) {
      const n = Number(m[1]) - 1;
      const li = cases.items().find((x) => {
        const c = x.read().if[n];
        return c && (q === undefined || [c.key, c.oper, ...c.vals].some((v) => q.startsWith(v.slice(0, 64))));
      }) || cases.items().find((x) => x.read().if.length > n);
      return li ? li.ifBox : form.querySelector("[data-field=cases]");
    }
    return null;
  }

  async function preview() {
    clearErrors(form);
    fill(result, h("p", { class: "muted" }, "Replaying recent events…"));
    try {
      const data = await api("POST", path + "/preview", read());
      fill(result, previewTable(data));
    } catch (err) {
      fill(result);
      placeError(form, err, pick);
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      saved = await api("PUT", path, read());
      set(saved);
      status("Saved the grouping of " + ch.name);
    } catch (err) {
      placeError(form, err, pick);
    }
  });
  set(saved);
  fill(el, h("h2", { tabindex: "-1" }, "Grouping"),
    h("p", { class: "muted" }, "Which new alerts join an open incident. Preview replays the channel's recent events (up to 666) through the form's settings without saving them; silences, inhibits and flapping are left out of it."),
    form);
}
