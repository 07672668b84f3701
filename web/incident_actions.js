// incident_actions.js - what the incident detail page adds beyond
// ack/resolve: Snooze (api.md §2.9, Processing incidents only), Quick
// silence (§2.6.7: the server builds the silence from the incident's
// severity and labels; the form shows which conditions it will hold), and
// each alert's events (GET /alerts/{id}, §2.4), loaded when opened.
import { api } from "./api.js";
import { h, fill, field, showError, clearErrors, when, status, select, severityBadge } from "./dom.js";

const SNOOZE = [["30", "30 minutes"], ["60", "1 hour"], ["120", "2 hours"], ["240", "4 hours"],
  ["480", "8 hours"], ["1440", "24 hours"]];
const SILENCE = [["30m", "30 minutes"], ["1h", "1 hour"], ["4h", "4 hours"], ["12h", "12 hours"],
  ["1d", "1 day"], ["1w", "1 week"]];

// The labels the server leaves out of a quick silence (§2.6.7): empty,
// over 128 characters, or read as a pattern rather than as text.
function usable(k, v) {
  return v !== "" && k.length <= 128 && v.length <= 128 && !/^(\/|cidr:|num:)/.test(v) && !/[*?]/.test(v);
}

export function quickSilenceConditions(inc) {
  const conds = [["severity", inc.severity]];
  for (const k of Object.keys(inc.labels || {}).sort()) {
    if (usable(k, String(inc.labels[k]))) conds.push(["labels." + k, String(inc.labels[k])]);
  }
  return conds;
}

function describeFilters(f) {
  return (f || []).map((g) => g.map((c) => c.key + " = " + c.vals.join(" | ")).join(" and ")).join(" or ");
}

// Snooze: a duration and a button named with the incident. Only an
// acknowledged incident can be snoozed; otherwise the form says so.
export function snoozeForm(inc, after) {
  const minutes = select(SNOOZE, "120");
  const until = inc.snooze_until && inc.snooze_until * 1000 > Date.now()
    ? h("p", { class: "muted small", "data-snoozed": "" }, "Snoozed until " + when(inc.snooze_until)) : null;
  const form = h("form", { class: "inline-form snooze-form", "aria-label": "Snooze" },
    field("minutes", "Snooze for", minutes),
    h("button", { type: "submit", "aria-label": "Snooze incident " + inc.title,
      disabled: inc.progress !== "Processing" }, "Snooze"),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const next = await api("POST", "/incidents/" + inc.id + "/snooze", { minutes: Number(minutes.value) });
      status("Snoozed " + inc.title + (next.snooze_until ? " until " + when(next.snooze_until) : ""));
      await after(next);
    } catch (err) {
      showError(form, err);
    }
  });
  return h("section", { class: "card" }, h("h2", {}, "Snooze"),
    inc.progress === "Processing" ? null
      : h("p", { class: "hint" }, "Only an acknowledged incident can be snoozed: its notifications pause, it stays open."),
    until, form);
}

// Quick silence: duration and mode; the conditions are the incident's,
// listed so nobody silences more than they meant to.
export function quickSilenceForm(inc) {
  const duration = select(SILENCE, "1d");
  const mode = select([["mark", "mark (kept, in no incident)"], ["drop", "drop (not stored)"]], "mark");
  const result = h("div", { class: "qs-result", "aria-live": "polite" });
  const conds = quickSilenceConditions(inc);
  const form = h("form", { class: "qs-form", "aria-label": "Quick silence" },
    h("p", { class: "label" }, "Silences new alerts of this channel where all of:"),
    h("ul", { class: "qs-conds" }, conds.map(([k, v]) => h("li", {}, h("code", {}, k), " = ", h("code", {}, v)))),
    h("div", { class: "row" }, field("duration", "For", duration), field("mode", "Mode", mode)),
    h("button", { type: "submit", class: "primary", "aria-label": "Quick silence incident " + inc.title }, "Create silence"),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const s = await api("POST", "/incidents/" + inc.id + "/silence", { duration: duration.value, mode: mode.value });
      status("Created " + s.name);
      fill(result, h("p", { class: "ok" }, h("strong", {}, s.name), " (" + s.mode + ") until " + when(s.time.end)),
        h("p", { class: "muted small" }, describeFilters(s.filters)),
        h("a", { href: "#/channels/" + s.channel_id + "/noise" }, "See the channel's silences"));
    } catch (err) {
      showError(form, err);
    }
  });
  return h("section", { class: "card" }, h("h2", {}, "Quick silence"), form, result);
}

function labelText(labels) {
  return Object.keys(labels || {}).sort().map((k) => k + "=" + labels[k]).join(", ");
}

// An alert's events, newest first, fetched when the disclosure opens (an
// incident may hold thousands of alerts).
export function alertEvents(a) {
  const body = h("div", { class: "events" }, h("p", { class: "loading" }, "Loading…"));
  const details = h("details", { class: "alert-events", "data-alert": a.id },
    h("summary", { "aria-label": "Events of alert " + a.title + " (" + a.event_count + ")" },
      "Events (" + a.event_count + ")"), body);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const full = await api("GET", "/alerts/" + a.id);
      const evs = full.events || [];
      fill(body, evs.length ? h("table", { class: "grid events-table" },
        h("thead", {}, h("tr", {}, ["Received", "Status", "Title", "Labels"].map((x) => h("th", {}, x)))),
        h("tbody", {}, evs.map((ev) => h("tr", { "data-event": ev.id },
          h("td", { "data-label": "Received" }, when(ev.received_at)),
          h("td", { "data-label": "Status" }, severityBadge(ev.event_status === "Ok" ? "Ok" : ev.severity, ev.event_status)),
          h("td", { "data-label": "Title" }, ev.title),
          h("td", { "data-label": "Labels", class: "mono" }, labelText(ev.labels))))))
        : h("p", { class: "empty" }, "No stored events (older ones are removed after the retention)."));
    } catch (e) {
      loaded = false;
      fill(body, h("p", { class: "form-error", role: "alert" }, e.message));
    }
  });
  return details;
}
