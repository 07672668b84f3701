// silences.js - a channel's silences (api.md §2.6.4): the list with each
// one's schedule as text, whether it is active now, and its hits; create and
// edit with the filter form and a one-time or a weekly (recurring) window;
// enable / disable (PUT of the whole rule, as the API wants); delete.
import { api } from "./api.js";
import { h, fill, field, clearErrors, when, status, select, uid } from "./dom.js";
import { filterEditor } from "./filter.js";
import { placeError, byPath, group, quoted, filterText, ruleBody, rulesTable } from "./ruleform.js";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function local(t) {
  const d = new Date(t * 1000);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function zoneList() {
  let dl = document.getElementById("tz-list");
  if (!dl) {
    let zones = [];
    try {
      zones = Intl.supportedValuesOf("timeZone");
    } catch {
      /* an older browser: the zone is typed */
    }
    dl = h("datalist", { id: "tz-list" }, ["UTC", ...zones.filter((z) => z !== "UTC")].map((z) => h("option", { value: z })));
    document.body.appendChild(dl);
  }
  return dl.id;
}

// [1,2,3,4,5] → "Mon–Fri"; [0,6] → "Sun, Sat"; none or all → "every day".
export function daysText(days) {
  const d = [...new Set(days || [])].filter((x) => x >= 0 && x <= 6).sort((a, b) => a - b);
  if (!d.length || d.length === 7) return "every day";
  const parts = [];
  for (let i = 0; i < d.length;) {
    let j = i;
    while (j + 1 < d.length && d[j + 1] === d[j] + 1) j++;
    if (j - i >= 2) parts.push(DAYS[d[i]] + "–" + DAYS[d[j]]);
    else for (let k = i; k <= j; k++) parts.push(DAYS[d[k]]);
    i = j + 1;
  }
  return parts.join(", ");
}

function windowText(w) {
  const span = w.start === w.end ? "all day" : w.start + "–" + w.end + (w.start > w.end ? " (ends next day)" : "");
  return daysText(w.days) + " " + span + " " + (w.tz || "UTC");
}

// The schedule as one line: "Weekly: Mon–Fri 22:00–06:00 (ends next day) Asia/Shanghai".
export function scheduleText(s) {
  if (s.time) return "Once: " + when(s.time.start) + " – " + when(s.time.end);
  if (s.weekly) return "Weekly: " + s.weekly.map(windowText).join("; ");
  return "";
}

// Weekday and minute of the day at @t on @tz's wall clock.
function wallClock(t, tz) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz || "UTC", weekday: "short", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(t * 1000));
  const get = (type) => (parts.find((p) => p.type === type) || {}).value;
  return { day: DAYS.indexOf(get("weekday")), min: Number(get("hour")) * 60 + Number(get("minute")) };
}

const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

// What the server would decide now (api.md §2.6.4 weekly windows): a window
// with start > end belongs to the day it starts; start == end is the whole day.
function weeklyActive(w, t) {
  const { day, min } = wallClock(t, w.tz);
  const on = (d) => !w.days || !w.days.length || w.days.includes(d);
  const s = minutes(w.start), e = minutes(w.end);
  if (s === e) return on(day);
  if (s < e) return on(day) && min >= s && min < e;
  return (on(day) && min >= s) || (on((day + 6) % 7) && min < e);
}

export function scheduleState(s, now) {
  if (s.enabled === false) return ["disabled", "off"];
  if (s.time) {
    if (now >= s.time.end) return ["ended", "off"];
    if (now < s.time.start) return ["starts " + when(s.time.start), "off"];
    return ["active now", "on"];
  }
  try {
    return (s.weekly || []).some((w) => weeklyActive(w, now)) ? ["active now", "on"] : ["not active now", "off"];
  } catch {
    return ["", "off"];
  }
}

// One weekly window: days, from, until, time zone. Its fields are named
// weekly[N].… so that the API's messages land on them.
function windowEditor(w, onRemove) {
  const boxes = DAYS.map((d, i) => h("input", { type: "checkbox", value: i, checked: (w.days || []).includes(i) }));
  const start = h("input", { type: "time", value: w.start || "22:00", required: true });
  const end = h("input", { type: "time", value: w.end || "06:00", required: true });
  const tz = h("input", { value: w.tz || browserZone(), list: zoneList(), required: true, spellcheck: "false",
    autocomplete: "off" });
  const title = h("legend", {});
  const remove = h("button", { type: "button", class: "small danger", onclick: () => onRemove(box) }, "Remove");
  const days = h("fieldset", { class: "days" }, h("legend", {}, "Days"),
    boxes.map((b, i) => h("label", { class: "check", title: DAY_NAMES[i] }, b, DAYS[i])),
    h("p", { class: "hint" }, "None ticked: every day."), h("p", { class: "field-error", role: "alert" }));
  const fStart = field("start", "From", start), fEnd = field("end", "Until", end);
  const fTz = field("tz", "Time zone", tz, "IANA zone; the window follows its daylight-saving time.");
  const whole = h("div", { class: "window-error", "data-field": "weekly[]" }, h("p", { class: "field-error", role: "alert" }));
  const box = h("fieldset", { class: "window" }, title, days, h("div", { class: "row" }, fStart, fEnd), fTz, whole, remove);
  box.number = (n, total) => {
    const p = "weekly[" + n + "]";
    remove.hidden = total === 1; // a weekly silence needs a window
    title.textContent = "Window " + (n + 1);
    remove.setAttribute("aria-label", "Remove window " + (n + 1));
    days.dataset.field = p + ".days";
    days.setAttribute("aria-label", "Days of window " + (n + 1));
    fStart.dataset.field = p + ".start";
    fEnd.dataset.field = p + ".end";
    fTz.dataset.field = p + ".tz";
    whole.dataset.field = p;
  };
  box.read = () => {
    const d = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    const out = {};
    if (d.length) out.days = d;
    out.start = start.value.slice(0, 5);
    out.end = end.value.slice(0, 5);
    out.tz = tz.value.trim();
    return out;
  };
  box.tz = tz;
  return box;
}

function weeklyEditor(windows) {
  const list = h("div", { class: "windows" });
  const add = h("button", { type: "button", class: "small", onclick: () => { push({}); list.lastChild.querySelector("input").focus(); } },
    "+ Add window");
  const renumber = () => {
    [...list.children].forEach((b, n) => b.number(n, list.children.length));
    add.hidden = list.children.length >= 10;
  };
  const remove = (b) => {
    b.remove();
    renumber();
    list.lastChild.querySelector("input").focus();
  };
  const push = (w) => {
    list.appendChild(windowEditor(w, remove));
    renumber();
  };
  for (const w of windows && windows.length ? windows : [{ days: [1, 2, 3, 4, 5] }]) push(w);
  const el = h("div", { class: "weekly" }, list, add);
  el.value = () => [...list.children].map((b) => b.read());
  // "unrecognized time zone \"X\"": the window whose zone is X.
  el.zoneField = (zone) => {
    const b = [...list.children].find((x) => x.tz.value.trim() === zone);
    return b ? b.tz.closest(".field") : null;
  };
  return el;
}

// The create / edit form. @s is the silence being edited, or null.
export function silenceForm(base, s, onSaved, onCancel) {
  const now = Math.floor(Date.now() / 1000);
  const name = h("input", { required: true, maxlength: 39, value: s ? s.name : "" });
  const filter = filterEditor(s ? s.filters : [], "Silence filter");
  const kind = uid("kind");
  const once = h("input", { type: "radio", name: kind, value: "time", checked: !s || !s.weekly });
  const weeklyRadio = h("input", { type: "radio", name: kind, value: "weekly", checked: !!(s && s.weekly) });
  const start = h("input", { type: "datetime-local", value: local(s && s.time ? s.time.start : now) });
  const end = h("input", { type: "datetime-local", value: local(s && s.time ? s.time.end : now + 2 * 3600) });
  const weekly = weeklyEditor(s && s.weekly);
  const onceBox = h("div", { class: "row once" }, field("time.start time start", "From", start), field("time.end end", "Until", end));
  const weeklyBox = h("div", { class: "weekly-box" }, weekly);
  const mode = select([["mark", "mark (kept, in no incident)"], ["drop", "drop (not stored)"]], (s && s.mode) || "mark");
  const enabled = h("input", { type: "checkbox", checked: !s || s.enabled !== false });
  const label = s ? "Save silence " + s.name : "Create silence";
  const form = h("form", { class: s ? "silence-form editing" : "silence-form new-rule" },
    h(s ? "h3" : "h2", {}, s ? "Edit silence " + s.name : "New silence"),
    field("name", "Name", name),
    group("filters filter", "Silence alerts where", filter),
    h("fieldset", { class: "schedule", "data-field": "time weekly silence" }, h("legend", {}, "When"),
      h("div", { class: "choices" }, h("label", { class: "check" }, once, "One-time window"),
        h("label", { class: "check" }, weeklyRadio, "Weekly (recurring)")),
      onceBox, weeklyBox, h("p", { class: "field-error", role: "alert" })),
    h("div", { class: "row" }, field("mode", "Mode", mode),
      h("div", { class: "field", "data-field": "enabled" }, h("label", { class: "check" }, enabled, "Enabled"),
        h("p", { class: "field-error", role: "alert" }))),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "aria-label": label }, s ? "Save" : "Create silence"),
      h("button", { type: "button", "aria-label": s ? "Cancel editing silence " + s.name : "Cancel new silence", onclick: onCancel }, "Cancel")),
    h("p", { class: "form-error", role: "alert" }));
  const sync = () => {
    onceBox.hidden = !once.checked;
    weeklyBox.hidden = once.checked;
    for (const i of weeklyBox.querySelectorAll("input")) i.disabled = once.checked;
  };
  once.addEventListener("change", sync);
  weeklyRadio.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const t = (x) => Math.floor(new Date(x.value).getTime() / 1000);
    const body = { ...(s ? ruleBody(s) : {}), name: name.value.trim(), filters: filter.value(), mode: mode.value,
      enabled: enabled.checked };
    delete body.time;
    delete body.weekly;
    if (once.checked) body.time = { start: t(start), end: t(end) };
    else body.weekly = weekly.value();
    try {
      const saved = s ? await api("PUT", base + "/" + s.id, body) : await api("POST", base, body);
      status((s ? "Saved silence " : "Created silence ") + saved.name);
      await onSaved(saved);
    } catch (err) {
      placeError(form, err, (msg) => (msg.startsWith("unrecognized time zone") ? weekly.zoneField(quoted(msg)[0]) : byPath(form, msg)));
    }
  });
  return form;
}

const COLS = ["Name", "Filter", "Schedule", "Mode", "Hits", "Actions"];

export async function silencesSection(el, ctx, ch) {
  const { table, empty, add, slot, load } = rulesTable({
    what: "silence", css: "silences", base: "/channels/" + ch.id + "/silences", cols: COLS,
    empty: "No silences.", form: silenceForm,
    // The state ("active now") is part of a row's key: it changes with time.
    extra: (s) => scheduleState(s, Math.floor(Date.now() / 1000))[0],
    cells: (s) => {
      const [state, cls] = scheduleState(s, Math.floor(Date.now() / 1000));
      return [
        h("td", { "data-label": "Name" }, s.name,
          s.from_incident_id ? h("span", { class: "muted small block" }, "quick silence of ",
            h("a", { href: "#/incidents/" + s.from_incident_id }, "incident #" + s.from_incident_id)) : null),
        h("td", { "data-label": "Filter" }, filterText(s.filters)),
        h("td", { "data-label": "Schedule", class: "schedule-text" }, scheduleText(s), " ",
          state ? h("span", { class: "badge state-" + cls }, state) : null),
        h("td", { "data-label": "Mode" }, s.mode || "mark"),
        h("td", { "data-label": "Hits", class: "hits" }, s.hits)];
    },
  });
  fill(el, h("h2", { tabindex: "-1" }, "Silences"),
    h("p", { class: "muted" }, "A silence holds back new alerts that match its filter while its window is active: once, or every week."),
    h("div", { class: "table-wrap" }, table), empty, h("div", { class: "toolbar" }, add), slot);
  await load();
  ctx.every(5000, () => load().catch(() => {}));
  return { load };
}
