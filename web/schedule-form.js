// schedule-form.js - the form that creates or edits an on-call schedule
// (api.md §2.10 Schedules): name, time zone and 1–10 layers, each with a
// start, a rotation, a handoff time, members in turn order (repeats
// allowed) and optional weekly restrictions. A refusal is shown at the field
// its path names ("layers[0].handoff must be HH:MM").
import { api } from "./api.js";
import { h, field, clearErrors, status, select, uid } from "./dom.js";
import { namePicker, showAt, move, windowsEditor, toLocalInput, fromLocalInput, zoneList } from "./pick.js";

const WEEK1 = [[1, "Mon"], [2, "Tue"], [3, "Wed"], [4, "Thu"], [5, "Fri"], [6, "Sat"], [7, "Sun"]];

function layerItem(l, members, renumber) {
  const li = h("li", { class: "card layer" });
  const owner = () => li.owner || "";
  const name = h("input", { value: l.name || "", maxlength: 100, placeholder: "primary" });
  const start = h("input", { type: "datetime-local", required: true,
    value: toLocalInput(l.start || Math.floor(Date.now() / 86400000) * 86400) });
  const unit = select([["hour", "hours"], ["day", "days"], ["week", "weeks"]], (l.rotation && l.rotation.unit) || "day");
  const length = h("input", { type: "number", min: 1, max: 365, value: (l.rotation && l.rotation.length) || 1, class: "num", required: true, id: uid("len") });
  const handoff = h("input", { type: "time", value: l.handoff || "09:00" });
  const people = namePicker(members, l.member_ids || [], { noun: "member", owner, repeat: true });
  const windows = windowsEditor(l.restrictions || [], { list: "restrictions", days: WEEK1, tz: false, owner });
  const title = h("h3", {});
  const up = h("button", { type: "button", class: "small", title: "Move layer up", onclick: () => { move(li, -1); renumber(); } }, "↑");
  const down = h("button", { type: "button", class: "small", title: "Move layer down", onclick: () => { move(li, 1); renumber(); } }, "↓");
  const rm = h("button", { type: "button", class: "small danger", onclick: () => { li.remove(); renumber(); } }, "Remove");
  const syncUnit = () => { handoff.disabled = unit.value === "hour"; };
  unit.addEventListener("change", syncUnit);
  syncUnit();
  li.append(h("header", {}, title, h("div", { class: "buttons" }, up, down, rm)),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "row" }, field("name", "Layer name", name),
      field("start", "Starts (your browser's time)", start)),
    h("div", { class: "row" },
      h("div", { class: "field", "data-field": "rotation" }, h("label", { for: length.id }, "Each turn lasts"),
        h("div", { class: "pick-row" }, length, unit), h("p", { class: "field-error", role: "alert" })),
      field("handoff", "Handoff (schedule's time zone)", handoff, "not used for hours")),
    h("div", { class: "field", "data-field": "member_ids" }, h("span", { class: "label" }, "Members, in turn order"),
      people, h("p", { class: "field-error", role: "alert" })),
    h("div", { class: "field", "data-field": "restrictions" }, h("span", { class: "label" }, "Only during (none: all the time)"),
      windows, h("p", { class: "field-error", role: "alert" })));
  unit.setAttribute("aria-label", "Turn unit");
  li.renumber = (n) => {
    li.owner = "layer " + n;
    title.textContent = "Layer " + n + (n > 1 ? " (wins over the layers above where it has someone)" : "");
    up.setAttribute("aria-label", "Move layer " + n + " up");
    down.setAttribute("aria-label", "Move layer " + n + " down");
    rm.setAttribute("aria-label", "Remove layer " + n);
    people.refresh();
    windows.refresh();
  };
  li.read = () => {
    const out = { start: fromLocalInput(start.value), rotation: { unit: unit.value, length: Number(length.value) },
      member_ids: people.value() };
    if (name.value.trim()) out.name = name.value.trim();
    if (unit.value !== "hour") out.handoff = handoff.value;
    const w = windows.value();
    if (w.length) out.restrictions = w;
    return out;
  };
  return li;
}

// scheduleForm(schedule or null, members, onSaved(schedule)).
export function scheduleForm(s, members, onSaved) {
  const name = h("input", { value: s ? s.name : "", required: true, maxlength: 100 });
  const tz = h("input", { value: s ? s.timezone : Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    list: zoneList(), required: true });
  const layers = h("ol", { class: "layers", "data-list": "layers" });
  const renumber = () => [...layers.children].forEach((li, n) => li.renumber(n + 1));
  for (const l of s ? s.layers : [{}]) layers.appendChild(layerItem(l, members, renumber));
  const verb = s ? "Save schedule " + s.name : "Create schedule";
  const form = h("form", { class: "schedule-form" },
    h("div", { class: "row" }, field("name", "Schedule name", name), field("timezone", "Time zone", tz, "IANA name, e.g. Europe/Berlin")),
    layers,
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => { layers.appendChild(layerItem({}, members, renumber)); renumber(); } }, "Add layer"),
      h("button", { type: "submit", class: "primary", "aria-label": verb }, s ? "Save schedule" : "Create schedule")),
    h("p", { class: "form-error", role: "alert" }));
  renumber();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), timezone: tz.value.trim(), layers: [...layers.children].map((li) => li.read()) };
    try {
      const saved = s ? await api("PATCH", "/schedules/" + s.id, body) : await api("POST", "/schedules", body);
      status((s ? "Saved schedule " : "Created schedule ") + saved.name);
      await onSaved(saved);
    } catch (err) {
      showAt(form, err);
    }
  });
  return form;
}
