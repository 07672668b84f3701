// incidents.js - incident lists (one channel's, or across channels with
// filters) refreshed live in place (rows keyed by id, so focus and scroll
// stay), and the incident detail with its alerts, labels and timeline.
import { api, all } from "./api.js";
import { h, fill, field, showError, when, status, severityBadge, progressBadge, select, plural } from "./dom.js";

const ACTIONS = {
  ack: ["Ack", "Acknowledge incident "],
  unack: ["Unack", "Unacknowledge incident "],
  resolve: ["Resolve", "Resolve incident "],
  reopen: ["Reopen", "Reopen incident "],
};

function actionsFor(progress) {
  if (progress === "Triggered") return ["ack", "resolve"];
  if (progress === "Processing") return ["unack", "resolve"];
  return ["reopen"];
}

function actionButtons(inc, after, errOut) {
  return actionsFor(inc.progress).map((a) => h("button", {
    type: "button", class: a === "resolve" ? "primary" : "", "data-action": a,
    "aria-label": ACTIONS[a][1] + inc.title,
    onclick: async () => {
      try {
        const next = await api("POST", "/incidents/" + inc.id + "/" + a);
        status(ACTIONS[a][0] + ": " + inc.title + " is " + next.progress);
        await after(next);
      } catch (e) {
        errOut.textContent = e.message;
      }
    },
  }, ACTIONS[a][0]));
}

// Fills @el with a live incident table. opts.channel limits it to one
// channel; otherwise a filter form (channel, progress, severity, text) leads.
export async function incidentTable(el, ctx, opts) {
  const channels = opts.channel ? [opts.channel] : await all("/channels");
  const names = new Map(channels.map((c) => [c.id, c.name]));
  const progress = select([["Triggered,Processing", "Open"], ["", "All"], ["Triggered", "Triggered"],
    ["Processing", "Processing"], ["Closed", "Closed"]], "Triggered,Processing");
  const severity = select([["", "Any"], ["Critical", "Critical"], ["Warning", "Warning"], ["Info", "Info"]], "");
  const q = h("input", { type: "search", placeholder: "title contains" });
  const channel = select([["", "All channels"], ...channels.map((c) => [c.id, c.name])], "");
  const form = h("form", { class: "inline-form filters" },
    opts.channel ? null : field("channel_id", "Channel", channel),
    field("progress", "Progress", progress), field("severity", "Severity", severity),
    field("q", "Search", q), h("button", { type: "submit" }, "Filter"));
  const tbody = h("tbody", { "aria-live": "off" });
  const empty = h("p", { class: "empty" }, "No incidents.");
  const updated = h("p", { class: "muted small" });
  const table = h("table", { class: "grid incidents" },
    h("thead", {}, h("tr", {}, h("th", {}, "Severity"), h("th", {}, "Title"), h("th", {}, "Progress"),
      opts.channel ? null : h("th", {}, "Channel"), h("th", {}, "Alerts"), h("th", {}, "Started"),
      h("th", {}, "Actions"))),
    tbody);
  fill(el, form, h("div", { class: "table-wrap" }, table), empty, updated);

  function render(tr, i) {
    const err = h("p", { class: "field-error", role: "alert" });
    const key = [i.title, i.severity, i.status, i.progress, i.active_alert_count, i.alert_count].join("\u0000");
    if (tr.dataset.key === key) return;
    tr.dataset.key = key;
    const focused = tr.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    fill(tr, 
      h("td", { "data-label": "Severity" }, severityBadge(i.severity, i.status)),
      h("td", { "data-label": "Title", class: "title" }, h("a", { href: "#/incidents/" + i.id }, i.title)),
      h("td", { "data-label": "Progress" }, progressBadge(i.progress)),
      opts.channel ? null : h("td", { "data-label": "Channel" }, names.get(i.channel_id) || i.channel_id),
      h("td", { "data-label": "Alerts" }, i.active_alert_count + "/" + i.alert_count),
      h("td", { "data-label": "Started" }, when(i.start_time)),
      h("td", { class: "actions" }, actionButtons(i, refresh, err), err));
    if (focused) {
      const again = tr.querySelector("[data-action=" + focused + "]") || tr.querySelector("a");
      again.focus();
    }
  }
  async function refresh() {
    const p = new URLSearchParams({ limit: "100" });
    if (opts.channel) p.set("channel_id", opts.channel.id);
    else if (channel.value) p.set("channel_id", channel.value);
    if (progress.value) p.set("progress", progress.value);
    if (severity.value) p.set("severity", severity.value);
    if (q.value) p.set("q", q.value);
    let data;
    try {
      data = await api("GET", "/incidents?" + p);
    } catch (e) {
      showError(form, e);
      return;
    }
    const rows = new Map([...tbody.children].map((tr) => [tr.dataset.id, tr]));
    let prev = null;
    for (const i of data.items) {
      let tr = rows.get(i.id);
      rows.delete(i.id);
      if (!tr) tr = h("tr", { "data-id": i.id });
      render(tr, i);
      const want = prev ? prev.nextSibling : tbody.firstChild;
      if (tr !== want) tbody.insertBefore(tr, want);
      prev = tr;
    }
    for (const tr of rows.values()) tr.remove();
    empty.hidden = data.items.length > 0;
    table.hidden = data.items.length === 0;
    updated.textContent = "Updated " + new Date().toLocaleTimeString() + " · refreshes every 3 s";
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    refresh();
  });
  await refresh();
  ctx.every(3000, refresh);
}

export function incidentsPage() {
  return async (el, ctx) => {
    const body = h("div");
    fill(el, h("h1", {}, "Incidents"), h("section", { class: "card" }, body));
    await incidentTable(body, ctx, {});
  };
}

function labelList(labels) {
  const keys = Object.keys(labels || {}).sort();
  if (!keys.length) return h("p", { class: "muted" }, "No labels");
  return h("dl", { class: "labels" }, keys.map((k) => [h("dt", {}, k), h("dd", {}, labels[k])]));
}

function timelineDetail(d) {
  const parts = Object.entries(d || {}).map(([k, v]) => k + ": " + (typeof v === "object" ? JSON.stringify(v) : v));
  return parts.join(", ");
}

export function incidentPage(id) {
  return async (el) => {
    async function load() {
      const inc = await api("GET", "/incidents/" + id);
      let chName = inc.channel_id;
      try {
        chName = (await api("GET", "/channels/" + inc.channel_id)).name;
      } catch {
        /* a deleted channel: its id is shown */
      }
      const err = h("p", { class: "field-error", role: "alert" });
      const focused = el.contains(document.activeElement) ? document.activeElement.dataset.action : null;
      fill(el, 
        h("p", { class: "crumbs" }, h("a", { href: "#/channels/" + inc.channel_id + "/incidents" }, chName), " / incident " + inc.id),
        h("h1", { class: "title" }, inc.title),
        h("div", { class: "facts" }, severityBadge(inc.severity, inc.status), progressBadge(inc.progress),
          h("span", {}, "Started " + when(inc.start_time)),
          h("span", {}, "Last " + when(inc.last_time)),
          inc.ack_time ? h("span", {}, "Acked " + when(inc.ack_time)) : null,
          inc.close_time ? h("span", {}, "Closed " + when(inc.close_time)) : null),
        inc.description ? h("p", { class: "desc" }, inc.description) : null,
        h("div", { class: "actions bar" }, actionButtons(inc, load, err), err),
        h("section", { class: "card" }, h("h2", {}, "Alerts (" + inc.alerts.length + ")"),
          inc.alerts.map((a) => h("article", { class: "alert-item" },
            h("h3", {}, severityBadge(a.severity, a.status), " ", a.title),
            h("p", { class: "muted small" }, "key " + a.alert_key + " · " + plural(a.event_count, "event") + " · since " + when(a.start_time) +
              (a.end_time ? " · recovered " + when(a.end_time) : "")),
            a.description ? h("p", {}, a.description) : null,
            a.reason && a.reason.decision ? h("p", { class: "muted small" }, "Why here: " + a.reason.decision) : null,
            labelList(a.labels)))),
        h("section", { class: "card" }, h("h2", {}, "Timeline"),
          h("ol", { class: "timeline" }, (inc.timeline || []).map((t) =>
            h("li", {}, h("time", {}, when(t.time)), " ", h("strong", {}, t.type), " ", timelineDetail(t.detail))))));
      if (focused) {
        const again = el.querySelector("[data-action=" + focused + "]") || el.querySelector(".actions button");
        if (again) again.focus();
      }
    }
    await load();
  };
}
