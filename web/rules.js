// rules.js - what the integration-layer editors (routing, enrichment, alert
// processing) share: the page head with the integration's tabs, an ordered
// list of rules (move up / down, remove), an optional filter, and placing a
// refusal "rules[N].FIELD …" next to that field of rule N.
import { api } from "./api.js";
import { h, showError, select } from "./dom.js";
import { filterEditor } from "./filter.js";

// Tabs of one integration: Routing only for shared ones (a private one
// sends everything to its channel).
export function integrationTabs(i, current) {
  const tabs = [["enrichment", "Enrichment"], ["pipeline", "Alert processing"]];
  if (i.channel_id === null) tabs.unshift(["routing", "Routing"]);
  return h("nav", { class: "tabs", "aria-label": "Integration " + i.name },
    tabs.map(([t, label]) => h("a", { href: "#/integrations/" + i.id + "/" + t,
      "aria-current": t === current ? "page" : null }, label)));
}

// Links to the editors for an integration's card, named with it.
export function editorLinks(i) {
  const links = [["enrichment", "Enrichment"], ["pipeline", "Alert processing"]];
  if (i.channel_id === null) links.unshift(["routing", "Routing"]);
  return links.map(([t, label]) => h("a", { class: "button small", href: "#/integrations/" + i.id + "/" + t,
    "aria-label": label + " of " + i.name }, label));
}

// Crumbs back to where the integration lives: its channel's Integrations
// tab, or the Integration Center.
export async function crumbs(i, what) {
  if (i.channel_id === null) {
    return h("p", { class: "crumbs" }, h("a", { href: "#/integrations" }, "Integration Center"), " / " + what);
  }
  const ch = await api("GET", "/channels/" + i.channel_id);
  return h("p", { class: "crumbs" }, h("a", { href: "#/channels" }, "Channels"), " / ",
    h("a", { href: "#/channels/" + ch.id + "/integrations" }, ch.name), " / " + what);
}

// An ordered list of rule cards. make(rule) returns the card's body with
// .read() → the rule; the list adds the header: number, move, remove.
export function ruleList(make) {
  const list = h("ol", { class: "cases rules" });
  function renumber() {
    [...list.children].forEach((li, n) => {
      li.querySelector(".case-title").textContent = "Rule " + (n + 1);
      for (const el of li.querySelectorAll("[data-name]")) {
        el.setAttribute("aria-label", el.dataset.name.replace("#", n + 1));
      }
    });
    list.dataset.count = list.children.length;
  }
  function add(rule) {
    const li = h("li", { class: "card case rule" });
    // A new kind brings new named controls: name them with the number.
    li.addEventListener("change", renumber);
    const move = (d) => {
      const sib = d < 0 ? li.previousElementSibling : li.nextElementSibling;
      if (sib) list.insertBefore(li, d < 0 ? sib : sib.nextElementSibling);
      renumber();
      li.querySelector(d < 0 ? "[data-name^='Move rule # up']" : "[data-name^='Move rule # down']").focus();
    };
    const body = make(rule, li);
    li.append(h("header", {}, h("h3", { class: "case-title" }),
      h("div", { class: "buttons" },
        h("button", { type: "button", class: "small", "data-name": "Move rule # up", onclick: () => move(-1) }, "↑"),
        h("button", { type: "button", class: "small", "data-name": "Move rule # down", onclick: () => move(1) }, "↓"),
        h("button", { type: "button", class: "small danger", "data-name": "Remove rule #",
          onclick: () => { li.remove(); renumber(); } }, "Remove"))),
      body, h("p", { class: "form-error", role: "alert" }));
    li.read = body.read;
    li.body = body;
    list.appendChild(li);
    renumber();
    return li;
  }
  return { el: list, add, renumber, read: () => [...list.children].map((li) => li.read()) };
}

// A filter that may be left out (the rule then applies to every event):
// a choice between "every event" and "only when…". The hidden form sits in
// a disabled fieldset, so its required inputs do not block Save.
export function optionalFilter(initial, name, label, opts) {
  const on = Array.isArray(initial) && initial.length > 0;
  const mode = select([["all", opts.allText], ["when", opts.whenText]], on ? "when" : "all",
    { "aria-label": label, "data-name": label + " of rule #" });
  const filter = filterEditor(on ? initial : [], label, opts.and ? { and: true } : undefined);
  const box = h("fieldset", { class: "plain" }, filter);
  const sync = () => { box.hidden = box.disabled = mode.value !== "when"; };
  mode.addEventListener("change", sync);
  sync();
  const el = h("div", { class: "field", "data-field": name },
    h("span", { class: "label" }, label), mode, box, h("p", { class: "field-error", role: "alert" }));
  el.value = () => (mode.value === "when" ? filter.value() : undefined);
  return el;
}

// A refusal of PUT rules: "rules[2].pattern is not …" goes under rule 3's
// Pattern, "rules[2]: …" under rule 3; anything else under the form.
export function showRuleError(form, list, err) {
  const m = /^rules\[(\d+)\](?:\.|: ?)?(.*)$/s.exec(err.message);
  const li = m ? list.children[Number(m[1])] : null;
  if (!li) return showError(form, err);
  const out = showError(li, new Error(m[2]));
  out.textContent = err.message;
  li.scrollIntoView({ block: "nearest" });
  return out;
}

// The kind picker at the top of a rule: changing it rebuilds the settings.
export function kindPicker(kinds, value, onChange) {
  const s = select(kinds, value, { "data-name": "Kind of rule #", class: "kind" });
  s.addEventListener("change", () => onChange(s.value));
  return s;
}

export const splitList = (v) => v.split(",").map((x) => x.trim()).filter((x) => x !== "");
