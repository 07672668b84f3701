// escalation.js - a channel's Escalation tab: its ordered escalation rules
// (api.md §2.9), each with a filter, an optional weekly time window, a
// delay, levels naming members, teams, schedules and notify targets by name,
// and a repeat. One Save PUTs the whole list; a refusal is shown at the
// field its path names ("rules[0].levels[1].escalate_after_minutes …").
import { api, all } from "./api.js";
import { h, fill, field, clearErrors, status, select } from "./dom.js";
import { filterEditor } from "./filter.js";
import { namePicker, showAt, move, windowsEditor } from "./pick.js";

const WEEK0 = [[0, "Sun"], [1, "Mon"], [2, "Tue"], [3, "Wed"], [4, "Thu"], [5, "Fri"], [6, "Sat"]];

// The filter form starts with one blank condition: blank ones mean "no
// condition", not a refusal.
function conditions(filter) {
  return filter.value().map((g) => g.filter((c) => c.key || c.vals.length)).filter((g) => g.length);
}

function num(input) {
  return input.value.trim() === "" ? undefined : Number(input.value);
}

export async function escalationTab(el, ctx, ch) {
  const base = "/channels/" + ch.id + "/escalations";
  const [saved, members, teams, schedules, targets] = await Promise.all([api("GET", base),
    all("/members"), all("/teams"), all("/schedules"), all("/notify-targets")]);
  const rules = h("ol", { class: "rules", "data-list": "rules" });

  function buttons(li, what) {
    const b = (label, fn, cls) => h("button", { type: "button", class: "small " + (cls || ""), "data-verb": label, onclick: fn },
      label === "up" ? "↑" : label === "down" ? "↓" : "Remove");
    const up = b("up", () => { move(li, -1); renumber(); });
    const down = b("down", () => { move(li, 1); renumber(); });
    const rm = b("remove", () => { li.remove(); renumber(); }, "danger");
    li.label = (name) => {
      up.setAttribute("aria-label", "Move " + name + " up");
      down.setAttribute("aria-label", "Move " + name + " down");
      rm.setAttribute("aria-label", "Remove " + name);
      up.title = "Move " + what + " up";
      down.title = "Move " + what + " down";
    };
    return h("div", { class: "buttons" }, up, down, rm);
  }

  function levelItem(lv) {
    const li = h("li", { class: "level" });
    const owner = () => li.owner || "";
    const pick = (list, ids, noun) => namePicker(list, ids, { noun, owner });
    const pm = pick(members, lv.member_ids, "member");
    const pt = pick(teams, lv.team_ids, "team");
    const ps = pick(schedules, lv.schedule_ids, "schedule");
    const pg = pick(targets, lv.target_ids, "notify target");
    const after = h("input", { type: "number", min: 1, max: 1440, value: lv.escalate_after_minutes || 30, class: "num" });
    const unless = select([["acked", "it is acknowledged or closed"], ["closed", "it is closed"]], lv.escalate_unless || "acked");
    const title = h("h4", {});
    const wrap = (name, label, p) => h("div", { class: "field", "data-field": name },
      h("span", { class: "label" }, label), p, h("p", { class: "field-error", role: "alert" }));
    li.append(h("header", {}, title, buttons(li, "level")),
      h("p", { class: "form-error", role: "alert" }),
      h("div", { class: "pickers" }, wrap("member_ids", "Members", pm), wrap("team_ids", "Teams", pt),
        wrap("schedule_ids", "Schedules (whoever is on call)", ps), wrap("target_ids", "Notify targets", pg)),
      h("div", { class: "row" }, field("escalate_after_minutes", "Escalate after (minutes)", after),
        field("escalate_unless", "Escalate to the next level unless", unless)));
    li.renumber = (r, n) => {
      li.owner = "rule " + r + ", level " + n;
      title.textContent = "Level " + n;
      li.label("rule " + r + " level " + n);
      for (const p of [pm, pt, ps, pg]) p.refresh();
    };
    li.read = () => ({ member_ids: pm.value(), team_ids: pt.value(), schedule_ids: ps.value(), target_ids: pg.value(),
      escalate_after_minutes: num(after), escalate_unless: unless.value });
    return li;
  }

  function ruleItem(r) {
    const li = h("li", { class: "card rule" });
    const name = h("input", { value: r.name || "", required: true, maxlength: 100 });
    const enabled = h("input", { type: "checkbox", checked: r.enabled !== false });
    const delay = h("input", { type: "number", min: 0, max: 3600, value: r.delay_seconds || 0, class: "num" });
    const filter = filterEditor(r.if || [], "Rule condition");
    const windows = windowsEditor(r.time_window || [], { list: "time_window", days: WEEK0, tz: true, owner: () => li.owner || "" });
    const levels = h("ol", { class: "levels", "data-list": "levels" });
    for (const lv of r.levels && r.levels.length ? r.levels : [{}]) levels.appendChild(levelItem(lv));
    const addLevel = h("button", { type: "button", onclick: () => {
      levels.appendChild(levelItem({}));
      renumber();
      levels.lastElementChild.querySelector("select").focus();
    } }, "+ Level");
    const times = h("input", { type: "number", min: 0, max: 10, value: r.repeat ? r.repeat.times : "", class: "num" });
    const interval = h("input", { type: "number", min: 1, max: 1440, value: r.repeat && r.repeat.interval_minutes ? r.repeat.interval_minutes : "", class: "num" });
    const title = h("h3", {});
    li.append(h("header", {}, title, buttons(li, "rule")),
      h("p", { class: "form-error", role: "alert" }),
      h("div", { class: "row" }, field("name", "Rule name", name),
        h("div", { class: "field", "data-field": "enabled" }, h("label", { class: "check" }, enabled, "Enabled"),
          h("p", { class: "field-error", role: "alert" })),
        field("delay_seconds", "Delay before level 1 (seconds)", delay)),
      h("div", { class: "field", "data-field": "if" }, h("span", { class: "label" }, "Only incidents whose first alert matches (empty: every incident)"),
        filter, h("p", { class: "field-error", role: "alert" })),
      h("div", { class: "field", "data-field": "time_window" }, h("span", { class: "label" }, "Only in these weekly windows (none: any time)"),
        windows, h("p", { class: "field-error", role: "alert" })),
      h("h4", {}, "Levels"), h("p", { class: "hint" }, "Level 1 is paged first; each later level when the one before was not answered in time."),
      levels, addLevel,
      h("div", { class: "row repeat" }, field("repeat.times repeat", "Repeat the levels (times, empty: no)", times),
        field("repeat.interval_minutes", "Between rounds (minutes)", interval)));
    li.renumber = (n) => {
      li.owner = "rule " + n;
      title.textContent = "Rule " + n + (name.value ? ": " + name.value : "");
      li.label("rule " + n);
      addLevel.setAttribute("aria-label", "Add a level to rule " + n);
      windows.refresh();
      [...levels.children].forEach((lv, k) => lv.renumber(n, k + 1));
    };
    name.addEventListener("change", renumber);
    li.read = () => {
      const out = { name: name.value.trim(), enabled: enabled.checked, delay_seconds: num(delay) || 0,
        levels: [...levels.children].map((lv) => lv.read()) };
      const f = conditions(filter);
      if (f.length) out.if = f;
      const w = windows.value();
      if (w.length) out.time_window = w;
      if (num(times) !== undefined) out.repeat = { times: num(times), interval_minutes: num(interval) };
      return out;
    };
    return li;
  }

  function renumber() {
    [...rules.children].forEach((li, n) => li.renumber(n + 1));
    empty.hidden = rules.children.length > 0;
  }

  const empty = h("p", { class: "empty" }, "No escalation rules: a new incident in this channel pages nobody (the delivery log says no_rule_matched).");
  // novalidate: the filter form's blank condition is marked required, but
  // here a blank filter means "every incident"; the API checks the rest.
  const form = h("form", { class: "escalation", novalidate: true },
    h("h2", {}, "Escalation rules"),
    h("p", { class: "muted" }, "The first enabled rule that matches a new incident is used. Schedules page whoever is on call when their level fires."),
    empty, rules,
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => {
        rules.appendChild(ruleItem({ name: "", levels: [{}] }));
        renumber();
        rules.lastElementChild.querySelector("input").focus();
      } }, "Add escalation rule"),
      h("button", { type: "submit", class: "primary" }, "Save escalation rules")),
    h("p", { class: "form-error", role: "alert" }));
  for (const r of saved.rules) rules.appendChild(ruleItem(r));
  renumber();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const out = await api("PUT", base, { rules: [...rules.children].map((li) => li.read()) });
      status("Saved " + out.rules.length + " escalation rule" + (out.rules.length === 1 ? "" : "s") + " of " + ch.name);
    } catch (err) {
      showAt(form, err);
    }
  });
  fill(el, form);
}
