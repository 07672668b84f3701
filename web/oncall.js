// oncall.js - the On-call section (api.md §2.10, §2.8, §2.9): its tabs, the
// schedules with who is on call now, and one schedule's page (on call now,
// upcoming shifts, overrides, the iCalendar feed URL, edit, delete). Teams,
// members, notify targets and the delivery log are in their own modules.
import { api, all } from "./api.js";
import { h, fill, field, showError, clearErrors, when, status, select } from "./dom.js";
import { names, toLocalInput, fromLocalInput } from "./pick.js";
import { scheduleForm } from "./schedule-form.js";
import { teamsTab, membersTab } from "./people.js";
import { targetsTab } from "./targets.js";
import { deliveriesTab } from "./deliveries.js";

const TABS = [["", "Schedules"], ["teams", "Teams"], ["members", "Members"], ["targets", "Notify targets"], ["deliveries", "Delivery log"]];

export function oncallPage(tab) {
  return async (el, ctx) => {
    const body = h("div", { class: "tab-body", role: "tabpanel" });
    const current = tab.startsWith("schedules/") ? "" : tab;
    fill(el, h("h1", {}, "On-call"),
      h("nav", { class: "tabs", "aria-label": "On-call sections" },
        TABS.map(([t, label]) => h("a", { href: "#/oncall" + (t ? "/" + t : ""), "aria-current": t === current ? "page" : null }, label))),
      body);
    if (tab.startsWith("schedules/")) await schedulePage(body, ctx, tab.slice(10));
    else if (tab === "teams") await teamsTab(body, ctx);
    else if (tab === "members") await membersTab(body, ctx);
    else if (tab === "targets") await targetsTab(body, ctx);
    else if (tab === "deliveries") await deliveriesTab(body, ctx);
    else await schedulesTab(body, ctx);
  };
}

function duration(sec) {
  const d = Math.floor(sec / 86400);
  const hr = Math.round((sec % 86400) / 360) / 10;
  return (d ? d + " d " : "") + (hr || !d ? hr + " h" : "");
}

// Who is on call now (GET …/oncall) and until when (the shift holding now).
async function nowOnCall(s) {
  const now = Math.floor(Date.now() / 1000);
  const [oc, shifts] = await Promise.all([api("GET", "/schedules/" + s.id + "/oncall"),
    api("GET", "/schedules/" + s.id + "/shifts?since=" + now + "&until=" + (now + 90 * 86400))]);
  const cur = shifts.items.find((x) => x.start <= oc.at && x.end > oc.at && oc.member_ids.includes(x.member_id));
  return { member: oc.member_ids[0] || null, layer: oc.layer, until: cur ? cur.end : null };
}

async function schedulesTab(el, ctx) {
  const members = await all("/members");
  const who = names(members);
  const tbody = h("tbody");
  async function load() {
    const list = await all("/schedules");
    const now = await Promise.all(list.map((s) => nowOnCall(s).catch(() => null)));
    fill(tbody, list.map((s, n) => {
      const oc = now[n];
      return h("tr", { "data-id": s.id },
        h("td", { "data-label": "Schedule" }, h("a", { href: "#/oncall/schedules/" + s.id }, s.name)),
        h("td", { "data-label": "On call now", class: "oncall-now" }, oc && oc.member ? h("strong", {}, who(oc.member)) : h("span", { class: "muted" }, "nobody")),
        h("td", { "data-label": "From" }, oc && oc.layer ? oc.layer : ""),
        h("td", { "data-label": "Until" }, oc && oc.until ? when(oc.until) : ""),
        h("td", { "data-label": "Time zone" }, s.timezone),
        h("td", { "data-label": "Layers" }, s.layers.map((l) => l.name + " (" + l.rotation.length + " " + l.rotation.unit + ")").join(", ")));
    }));
    table.hidden = !list.length;
    empty.hidden = list.length > 0;
  }
  const table = h("table", { class: "grid schedules" },
    h("thead", {}, h("tr", {}, ["Schedule", "On call now", "From", "Until", "Time zone", "Layers"].map((x) => h("th", {}, x)))), tbody);
  const empty = h("p", { class: "empty" }, "No schedules yet.");
  const create = members.length
    ? scheduleForm(null, members, (s) => { location.hash = "#/oncall/schedules/" + s.id; })
    : h("p", { class: "muted" }, "Add members first (Members tab): a layer names who takes turns.");
  fill(el, h("section", { class: "card" }, h("h2", {}, "Who is on call now"), h("div", { class: "table-wrap" }, table), empty),
    h("section", { class: "card" }, h("h2", {}, "New schedule"), create));
  await load();
  ctx.every(30000, () => load().catch(() => {}));
}

async function copy(input, what) {
  try {
    await navigator.clipboard.writeText(input.value);
    status(what + " copied");
  } catch {
    input.focus();
    input.select();
    status("Copy is not allowed here: the URL is selected, press Ctrl+C");
  }
}

async function schedulePage(el, ctx, id) {
  const [s, members] = await Promise.all([api("GET", "/schedules/" + id), all("/members")]);
  const who = names(members);
  const now = h("p", { class: "oncall-now big" });
  async function loadNow() {
    const oc = await nowOnCall(s);
    fill(now, oc.member ? [h("strong", {}, who(oc.member)), " is on call (", oc.layer, ")", oc.until ? ", until " + when(oc.until) : ""]
      : h("span", { class: "muted" }, "Nobody is on call now."));
  }

  // Upcoming shifts, from now over the chosen span (the API allows 90 days).
  const span = select([["1", "1 day"], ["7", "7 days"], ["14", "14 days"], ["30", "30 days"]], "7", { "aria-label": "Shifts over the next" });
  const shifts = h("tbody");
  async function loadShifts() {
    const t = Math.floor(Date.now() / 1000);
    const data = await api("GET", "/schedules/" + id + "/shifts?since=" + t + "&until=" + (t + Number(span.value) * 86400));
    fill(shifts, data.items.length ? data.items.map((x) => h("tr", {},
      h("td", { "data-label": "Member" }, who(x.member_id)), h("td", { "data-label": "From" }, when(x.start)),
      h("td", { "data-label": "Until" }, when(x.end)), h("td", { "data-label": "Length" }, duration(x.end - x.start)),
      h("td", { "data-label": "Layer" }, x.layer)))
      : h("tr", {}, h("td", { colspan: 5, class: "empty" }, "Nobody is on call in this span.")));
  }
  span.addEventListener("change", () => loadShifts().catch(() => {}));

  // Overrides: list, delete, add one.
  const overrides = h("tbody");
  async function loadOverrides() {
    const data = await api("GET", "/schedules/" + id + "/overrides");
    fill(overrides, data.items.length ? data.items.map((o) => {
      const err = h("p", { class: "field-error", role: "alert" });
      const label = "Delete override of " + who(o.member_id) + " from " + when(o.start);
      return h("tr", { "data-id": o.id },
        h("td", { "data-label": "Member" }, who(o.member_id)), h("td", { "data-label": "From" }, when(o.start)),
        h("td", { "data-label": "Until" }, when(o.end)),
        h("td", { class: "actions" }, h("button", { type: "button", class: "small danger", "aria-label": label, onclick: async () => {
          try {
            await api("DELETE", "/schedules/" + id + "/overrides/" + o.id);
            status("Deleted the override of " + who(o.member_id));
            await refresh();
          } catch (e) {
            err.textContent = e.message;
          }
        } }, "Delete"), err));
    }) : h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No overrides.")));
  }
  const t0 = Math.floor(Date.now() / 60000) * 60;
  const oMember = select(members.map((m) => [m.id, m.name]), members[0] ? members[0].id : "");
  const oStart = h("input", { type: "datetime-local", value: toLocalInput(t0), required: true });
  const oEnd = h("input", { type: "datetime-local", value: toLocalInput(t0 + 8 * 3600), required: true });
  const oForm = h("form", { class: "inline-form override-form" },
    field("member_id", "Member", oMember), field("start", "From", oStart), field("end", "Until", oEnd),
    h("button", { type: "submit", class: "primary" }, "Add override"), h("p", { class: "form-error", role: "alert" }));
  oForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(oForm);
    try {
      await api("POST", "/schedules/" + id + "/overrides", { member_id: oMember.value, start: fromLocalInput(oStart.value), end: fromLocalInput(oEnd.value) });
      status("Added an override for " + who(oMember.value));
      await refresh();
    } catch (err) {
      showError(oForm, err);
    }
  });

  async function refresh() {
    await Promise.all([loadNow(), loadShifts(), loadOverrides()]);
  }

  const ical = h("input", { readonly: true, class: "push-url", "aria-label": "iCalendar feed URL of " + s.name,
    value: location.origin + "/api/v1/schedules/" + id + "/ical", onfocus: (e) => e.target.select() });
  const delErr = h("p", { class: "field-error", role: "alert" });
  fill(el, h("p", { class: "crumbs" }, h("a", { href: "#/oncall" }, "All schedules"), " / "),
    h("h2", { class: "page-title" }, s.name),
    h("section", { class: "card" }, h("h2", {}, "On call now"), now),
    h("section", { class: "card" }, h("h2", {}, "Upcoming shifts"), h("div", { class: "inline-form" }, field("span", "Over the next", span)),
      h("div", { class: "table-wrap" }, h("table", { class: "grid shifts" },
        h("thead", {}, h("tr", {}, ["Member", "From", "Until", "Length", "Layer"].map((x) => h("th", {}, x)))), shifts))),
    h("section", { class: "card" }, h("h2", {}, "Overrides"),
      h("p", { class: "muted" }, "An override puts a member on call for a while, over every layer; where two overlap, the newer wins."),
      h("div", { class: "table-wrap" }, h("table", { class: "grid overrides" },
        h("thead", {}, h("tr", {}, ["Member", "From", "Until", "Actions"].map((x) => h("th", {}, x)))), overrides)), oForm),
    h("section", { class: "card" }, h("h2", {}, "Calendar feed"),
      h("div", { class: "copyrow" }, ical, h("button", { type: "button", class: "primary", "aria-label": "Copy iCalendar feed URL of " + s.name,
        onclick: () => copy(ical, "Calendar feed URL") }, "Copy")),
      h("p", { class: "hint" }, "The feed needs an admin token in the Authorization header, so calendar apps cannot subscribe to it directly: fetch it with curl and import or publish the file.")),
    h("section", { class: "card" }, h("h2", {}, "Edit schedule"),
      scheduleForm(s, members, () => { location.hash = "#/oncall/schedules/" + id; window.dispatchEvent(new HashChangeEvent("hashchange")); })),
    h("div", { class: "buttons" }, h("button", { type: "button", class: "danger", "aria-label": "Delete schedule " + s.name, onclick: async () => {
      if (!confirm("Delete schedule " + s.name + "?")) return;
      try {
        await api("DELETE", "/schedules/" + id);
        status("Deleted schedule " + s.name);
        location.hash = "#/oncall";
      } catch (e) {
        delErr.textContent = e.message;
      }
    } }, "Delete schedule"), delErr));
  await refresh();
  ctx.every(30000, () => loadNow().catch(() => {}));
}
