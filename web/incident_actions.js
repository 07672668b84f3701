// incident_actions.js - what the incident detail page adds beyond
// ack/resolve: Snooze (api.md §2.9, Processing incidents only) and each
// alert's events (GET /alerts/{id}, §2.4), loaded when opened. (Its quick
// silence is quicksilence.js, shared with the Noise reduction tab.)
import { api } from "./api.js";
import { h, fill, field, showError, clearErrors, when, status, select, severityBadge } from "./dom.js";

const SNOOZE = [["30", "30 minutes"], ["60", "1 hour"], ["120", "2 hours"], ["240", "4 hours"],
  ["480", "8 hours"], ["1440", "24 hours"]];
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
