// quicksilence.js - the quick silence of an incident (api.md §2.6.7): one call
// makes (or renews) the silence "Quick Silence - #ID" in the incident's
// channel, matching its severity and labels, from now for a duration. The
// form lists those conditions, so nobody silences more than they meant to.
// The one form of both places that offer it: the incident's page and the
// channel's Noise reduction tab.
//
// quickSilenceForm(inc, opts) → a <form>. inc: the incident (id, title,
// severity, labels). opts, all optional:
//   onDone: async (silence) => …, after the silence was made; it is also
//           described in the form
//   link:   true adds a link to the channel's silences to that description
import { api } from "./api.js";
import { h, fill, field, clearErrors, showError, when, status, select } from "./dom.js";
import { filterText } from "./ruleform.js";

const DURATIONS = [["30m", "30 minutes"], ["1h", "1 hour"], ["4h", "4 hours"], ["12h", "12 hours"], ["1d", "1 day"],
  ["3d", "3 days"], ["1w", "1 week"], ["2592000", "30 days"]];

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

export function quickSilenceForm(inc, opts) {
  const o = opts || {};
  const duration = select(DURATIONS, "1d");
  const mode = select([["mark", "mark (kept, in no incident)"], ["drop", "drop (not stored)"]], "mark");
  const done = h("div", { class: "quick-result", role: "status" });
  const form = h("form", { class: "quick-silence", "data-incident": inc.id, "aria-label": "Quick silence" },
    h("p", { class: "label" }, "Silences new alerts of this channel where all of:"),
    h("ul", { class: "qs-conds" },
      quickSilenceConditions(inc).map(([k, v]) => h("li", {}, h("code", {}, k), " = ", h("code", {}, v)))),
    h("p", { class: "hint" }, "From now. Doing it again renews the same silence."),
    h("div", { class: "row" }, field("duration", "For", duration), field("mode", "Mode", mode)),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", "aria-label": "Quick silence incident " + inc.title }, "Quick silence")),
    h("p", { class: "form-error", role: "alert" }), done);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    fill(done);
    const d = duration.value;
    try {
      const s = await api("POST", "/incidents/" + inc.id + "/silence", { duration: /^\d+$/.test(d) ? Number(d) : d, mode: mode.value });
      fill(done, h("p", {}, "Silence \u201c" + s.name + "\u201d holds new alerts where " + filterText(s.filters) +
        ", until " + when(s.time.end) + " (" + s.mode + ")."),
        o.link ? h("a", { href: "#/channels/" + s.channel_id + "/noise" }, "See the channel's silences") : null);
      status("Quick silence until " + when(s.time.end));
      if (o.onDone) await o.onDone(s);
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}
