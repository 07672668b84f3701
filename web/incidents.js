// incidents.js - incident lists (one channel's, or across channels with
// filters kept in the URL, a page at a time) refreshed live in place (rows
// keyed by id, so focus and scroll stay), and the incident detail with its
// actions, snooze, quick silence, alerts with labels and events, timeline.
import { api, all } from "./api.js";
import { h, fill, field, showError, clearErrors, when, status, severityBadge, progressBadge, select, plural } from "./dom.js";
import { snoozeForm, alertEvents } from "./incident_actions.js";
import { quickSilenceForm } from "./quicksilence.js";

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

const RANGES = [["", "Any time"], ["1h", "Last hour"], ["24h", "Last 24 hours"], ["7d", "Last 7 days"], ["custom", "From – to"]];
const RANGE_S = { "1h": 3600, "24h": 86400, "7d": 7 * 86400 };
const SIZES = [["10", "10"], ["25", "25"], ["50", "50"], ["100", "100"]];

// datetime-local <-> Unix seconds, in the browser's zone.
function toLocal(t) {
  if (!t) return "";
  const d = new Date(t * 1000);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}
function fromLocal(v) {
  return v ? Math.floor(new Date(v).getTime() / 1000) : 0;
}

// The filters of #/incidents?… (so a filtered view can be bookmarked):
// channel (id), progress ("" = all; absent = open), severity, range (1h,
// 24h, 7d, custom with since/until in Unix seconds), q, size.
export function filtersFromHash(hash) {
  const i = hash.indexOf("?");
  const p = new URLSearchParams(i < 0 ? "" : hash.slice(i + 1));
  return {
    channel: p.get("channel") || "",
    progress: p.has("progress") ? p.get("progress") : "Triggered,Processing",
    severity: p.get("severity") || "",
    range: p.get("range") || "",
    since: Number(p.get("since")) || 0,
    until: Number(p.get("until")) || 0,
    q: p.get("q") || "",
    size: p.get("size") || "25",
  };
}

function filtersToHash(f) {
  const p = new URLSearchParams();
  if (f.channel) p.set("channel", f.channel);
  if (f.progress !== "Triggered,Processing") p.set("progress", f.progress);
  if (f.severity) p.set("severity", f.severity);
  if (f.range) p.set("range", f.range);
  if (f.range === "custom") {
    if (f.since) p.set("since", f.since);
    if (f.until) p.set("until", f.until);
  }
  if (f.q) p.set("q", f.q);
  if (f.size !== "25") p.set("size", f.size);
  const qs = p.toString();
  return "#/incidents" + (qs ? "?" + qs : "");
}

// Fills @el with a live incident table, a page at a time (the API's
// cursor: Previous / Next). opts.channel limits it to one channel;
// otherwise the filters include the channel, and with opts.hash they are
// read from and written to the URL (history.pushState: Back restores them).
export async function incidentTable(el, ctx, opts) {
  const channels = opts.channel ? [opts.channel] : await all("/channels");
  const names = new Map(channels.map((c) => [c.id, c.name]));
  const init = filtersFromHash(opts.hash || "");
  const progress = select([["Triggered,Processing", "Open"], ["", "All"], ["Triggered", "Triggered"],
    ["Processing", "Processing"], ["Closed", "Closed"]], init.progress);
  const severity = select([["", "Any"], ["Critical", "Critical"], ["Warning", "Warning"], ["Info", "Info"]], init.severity);
  const q = h("input", { type: "search", placeholder: "title contains", value: init.q });
  const channel = select([["", "All channels"], ...channels.map((c) => [c.id, c.name])], init.channel);
  const range = select(RANGES, init.range);
  const since = h("input", { type: "datetime-local", value: toLocal(init.since) });
  const until = h("input", { type: "datetime-local", value: toLocal(init.until) });
  const size = select(SIZES, init.size);
  const custom = h("div", { class: "row custom-range" }, field("since", "From", since), field("until", "Until", until));
  const form = h("form", { class: "inline-form filters", "aria-label": "Filter incidents" },
    opts.channel ? null : field("channel_id", "Channel", channel),
    field("progress", "Progress", progress), field("severity", "Severity", severity),
    field("range", "Started", range), custom,
    field("q", "Search", q), field("limit", "Per page", size),
    h("button", { type: "submit" }, "Filter"),
    h("p", { class: "form-error", role: "alert" }));
  const syncCustom = () => { custom.hidden = range.value !== "custom"; };
  range.addEventListener("change", syncCustom);
  syncCustom();
  const tbody = h("tbody", { "aria-live": "off" });
  const empty = h("p", { class: "empty" }, "No incidents.");
  const updated = h("p", { class: "muted small" });
  const prevBtn = h("button", { type: "button", "aria-label": "Previous page of incidents" }, "← Previous");
  const nextBtn = h("button", { type: "button", "aria-label": "Next page of incidents" }, "Next →");
  const pageInfo = h("span", { class: "muted page-info", "aria-live": "polite" });
  const pager = h("nav", { class: "pager", "aria-label": "Incident pages" }, prevBtn, pageInfo, nextBtn);
  const table = h("table", { class: "grid incidents" },
    h("thead", {}, h("tr", {}, h("th", {}, "Severity"), h("th", {}, "Title"), h("th", {}, "Progress"),
      opts.channel ? null : h("th", {}, "Channel"), h("th", {}, "Alerts"), h("th", {}, "Started"),
      h("th", {}, "Actions"))),
    tbody);
  fill(el, form, h("div", { class: "table-wrap" }, table), empty, pager, updated);
  // cursors[i] is the cursor of page i+1 (null: the first page).
  let cursors = [null];
  let next = null;

  function current() {
    return { channel: opts.channel ? "" : channel.value, progress: progress.value, severity: severity.value,
      range: range.value, since: fromLocal(since.value), until: fromLocal(until.value), q: q.value.trim(), size: size.value };
  }

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
    const f = current();
    const p = new URLSearchParams({ limit: f.size });
    if (opts.channel) p.set("channel_id", opts.channel.id);
    else if (f.channel) p.set("channel_id", f.channel);
    if (f.progress) p.set("progress", f.progress);
    if (f.severity) p.set("severity", f.severity);
    // A relative range moves with the clock: since is computed at each refresh.
    if (RANGE_S[f.range]) p.set("since", Math.floor(Date.now() / 1000) - RANGE_S[f.range]);
    if (f.range === "custom" && f.since) p.set("since", f.since);
    if (f.range === "custom" && f.until) p.set("until", f.until);
    if (f.q) p.set("q", f.q);
    const cursor = cursors[cursors.length - 1];
    if (cursor) p.set("cursor", cursor);
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
    next = data.next_cursor;
    empty.hidden = data.items.length > 0;
    table.hidden = data.items.length === 0;
    prevBtn.disabled = cursors.length === 1;
    nextBtn.disabled = !next;
    pager.hidden = cursors.length === 1 && !next;
    pageInfo.textContent = "Page " + cursors.length + " · " + plural(data.items.length, "incident");
    updated.textContent = "Updated " + new Date().toLocaleTimeString() + " · refreshes every 3 s";
  }
  async function turn(to) {
    cursors = to;
    tbody.replaceChildren();
    await refresh();
  }
  prevBtn.addEventListener("click", () => turn(cursors.slice(0, -1)));
  nextBtn.addEventListener("click", () => { if (next) turn([...cursors, next]); });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = current();
    if (f.range === "custom" && f.since && f.until && f.until <= f.since) {
      showError(form, new Error("until must be after From"));
      return;
    }
    clearErrors(form);
    if (opts.hash !== undefined) {
      const want = filtersToHash(f);
      // pushState fires no hashchange: the page stays, Back brings the
      // previous filters (the router rebuilds the page from the URL).
      if (want !== location.hash) history.pushState(null, "", want);
    }
    turn([null]);
  });
  await refresh();
  ctx.every(3000, refresh);
}

export function incidentsPage(hash) {
  return async (el, ctx) => {
    const body = h("div");
    fill(el, h("h1", {}, "Incidents"), h("section", { class: "card" }, body));
    await incidentTable(body, ctx, { hash: hash || "" });
  };
}

function labelList(labels) {
  const keys = Object.keys(labels || {}).sort();
  if (!keys.length) return h("p", { class: "muted" }, "No labels");
  return h("dl", { class: "labels" }, keys.map((k) => [h("dt", {}, k), h("dd", {}, labels[k])]));
}

// Times in a timeline entry's detail (until, muted_until) read as dates.
function timelineDetail(d) {
  const parts = Object.entries(d || {}).map(([k, v]) => k + ": " +
    (typeof v === "object" ? JSON.stringify(v) : /(^|_)until$/.test(k) && typeof v === "number" && v > 0 ? when(v) : v));
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
        h("div", { class: "detail-tools" }, snoozeForm(inc, load),
          h("section", { class: "card" }, h("h2", {}, "Quick silence"), quickSilenceForm(inc, { link: true }))),
        h("section", { class: "card" }, h("h2", {}, "Alerts (" + inc.alerts.length + ")"),
          inc.alerts.map((a) => h("article", { class: "alert-item" },
            h("h3", {}, severityBadge(a.severity, a.status), " ", a.title),
            h("p", { class: "muted small" }, "key " + a.alert_key + " · " + plural(a.event_count, "event") + " · since " + when(a.start_time) +
              (a.end_time ? " · recovered " + when(a.end_time) : "")),
            a.description ? h("p", {}, a.description) : null,
            a.reason && a.reason.decision ? h("p", { class: "muted small" }, "Why here: " + a.reason.decision) : null,
            labelList(a.labels), alertEvents(a)))),
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
