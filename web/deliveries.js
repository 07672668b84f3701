// deliveries.js - the On-call section's Delivery log tab (api.md §2.9 The
// delivery log). The API keeps the log per incident, so this page reads
// the newest incidents (of one channel, or all) and the log of each, and
// shows every row, newest first: what was sent, what is still retried, and
// what was not sent and why (the reason, or the last error).
import { api, all } from "./api.js";
import { h, fill, field, showError, clearErrors, when, select } from "./dom.js";
import { names } from "./pick.js";

const STATUSES = [["", "Any"], ["unsent", "not sent"], ["sent", "sent"], ["pending", "pending"],
  ["failed", "failed"], ["suppressed", "suppressed"]];
const KINDS = [["", "Any"], ["none", "none (nothing sent)"], ["email", "email"], ["webhook", "webhook"], ["slack", "slack"],
  ["feishu", "feishu"], ["dingtalk", "dingtalk"], ["wecom", "wecom"]];

function why(d) {
  if (d.reason) return h("strong", { class: "reason" }, d.reason);
  if (d.last_error) return d.last_error;
  if (d.last_status_code) return (d.channel === "email" ? "SMTP " : "HTTP ") + d.last_status_code;
  return "";
}

function recipient(d, member, target) {
  const r = d.detail && d.detail.recipient ? d.detail.recipient.name : null;
  const who = r || (d.member_id ? member(d.member_id) : d.target_id ? target(d.target_id) : "");
  const sched = d.detail && d.detail.schedule ? " via " + d.detail.schedule.name + " (" + d.detail.schedule.layer + ")" : "";
  return [who + sched, d.address ? h("div", { class: "mono small" }, d.address) : null];
}

export async function deliveriesTab(el, ctx) {
  const [channels, members, targets] = await Promise.all([all("/channels"), all("/members"), all("/notify-targets")]);
  const chName = new Map(channels.map((c) => [c.id, c.name]));
  const member = names(members);
  const target = names(targets);
  const channel = select([["", "All channels"], ...channels.map((c) => [c.id, c.name])], "");
  const st = select(STATUSES, "");
  const kind = select(KINDS, "");
  const count = select([["20", "20"], ["50", "50"], ["100", "100"]], "20");
  const form = h("form", { class: "inline-form filters" },
    field("channel_id", "Channel", channel), field("status", "Status", st), field("kind", "Kind", kind),
    field("limit", "Newest incidents", count), h("button", { type: "submit" }, "Filter"),
    h("p", { class: "form-error", role: "alert" }));
  const tbody = h("tbody");
  const table = h("table", { class: "grid deliveries" },
    h("thead", {}, h("tr", {}, ["Time", "Incident", "Event", "Kind", "Recipient", "Status", "Attempts", "Why / last error", "Escalation"].map((x) => h("th", {}, x)))),
    tbody);
  const empty = h("p", { class: "empty" }, "Nothing in the delivery log for these filters.");
  const summary = h("p", { class: "muted small" });

  async function load() {
    const p = new URLSearchParams({ limit: count.value });
    if (channel.value) p.set("channel_id", channel.value);
    const incidents = (await api("GET", "/incidents?" + p)).items;
    const logs = await Promise.all(incidents.map((i) => api("GET", "/incidents/" + i.id + "/notifications")
      .then((d) => d.items.map((x) => ({ ...x, incident: i }))).catch(() => [])));
    let rows = logs.flat();
    if (st.value === "unsent") rows = rows.filter((d) => d.status !== "sent");
    else if (st.value) rows = rows.filter((d) => d.status === st.value);
    if (kind.value) rows = rows.filter((d) => d.channel === kind.value);
    rows.sort((a, b) => b.created_at - a.created_at || Number(b.id || 0) - Number(a.id || 0));
    fill(tbody, rows.map((d) => h("tr", { "data-status": d.status },
      h("td", { "data-label": "Time" }, when(d.created_at)),
      h("td", { "data-label": "Incident" }, h("a", { href: "#/incidents/" + d.incident.id }, d.incident.title),
        h("div", { class: "muted small" }, chName.get(d.incident.channel_id) || "#" + d.incident.channel_id)),
      h("td", { "data-label": "Event", class: "nw" }, d.event_type),
      h("td", { "data-label": "Kind", class: "nw" }, d.channel),
      h("td", { "data-label": "Recipient" }, recipient(d, member, target)),
      h("td", { "data-label": "Status", class: "nw" }, h("span", { class: "badge dl-" + d.status }, d.status),
        d.status === "pending" && d.next_at ? h("div", { class: "muted small" }, "next try " + when(d.next_at)) : null),
      h("td", { "data-label": "Attempts", class: "nw" }, d.attempts),
      h("td", { "data-label": "Why / last error", class: "why" }, why(d)),
      h("td", { "data-label": "Escalation" }, d.detail && d.detail.rule ? d.detail.rule + ", level " + d.detail.level + (d.detail.round ? ", round " + (d.detail.round + 1) : "") : ""))));
    table.hidden = !rows.length;
    empty.hidden = rows.length > 0;
    summary.textContent = rows.length + " entries from the " + incidents.length + " newest incidents · updated " + new Date().toLocaleTimeString();
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      await load();
    } catch (err) {
      showError(form, err);
    }
  });
  fill(el, h("section", { class: "card" }, h("h2", {}, "Delivery log"),
    h("p", { class: "muted" }, "Every message sent, retried or deliberately not sent, for the newest incidents. Suppressed rows say why nothing went out (no_rule_matched, no_contact, nobody_on_call, …)."),
    form, h("div", { class: "table-wrap" }, table), empty, summary));
  await load();
  // Rows are rebuilt: skip a refresh while focus is on one of them.
  ctx.every(5000, () => (tbody.contains(document.activeElement) ? null : load().catch(() => {})));
}
