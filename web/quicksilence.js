// quicksilence.js - the quick silence of an incident (api.md §2.6.7): one call
// makes (or renews) the silence "Quick Silence - #ID" in the incident's
// channel, matching its severity and labels, from now for a duration.
//
// quickSilenceForm(incidentId, opts) → a <form> to put anywhere (the
// incident page, the channel's Noise reduction tab). opts, all optional:
//   title:    the incident's title, for the button's name ("Quick silence incident TITLE")
//   onDone:   async (silence) => …, after the silence was made; it is also
//             described in the form
//   onCancel: () => …, shows a Cancel button when given
import { api } from "./api.js";
import { h, field, clearErrors, showError, when, status, select } from "./dom.js";
import { filterText } from "./ruleform.js";

const DURATIONS = [["30m", "30 minutes"], ["1h", "1 hour"], ["4h", "4 hours"], ["12h", "12 hours"], ["1d", "1 day"],
  ["3d", "3 days"], ["1w", "1 week"], ["2592000", "30 days"]];

export function quickSilenceForm(incidentId, opts) {
  const o = opts || {};
  const who = o.title ? o.title : "#" + incidentId;
  const duration = select(DURATIONS, "1d");
  const mode = select([["mark", "mark (kept, in no incident)"], ["drop", "drop (not stored)"]], "mark");
  const done = h("p", { class: "quick-result", role: "status" });
  const form = h("form", { class: "quick-silence", "data-incident": incidentId },
    h("p", { class: "hint" }, "Silences new alerts with this incident's severity and labels, from now. Doing it again renews the same silence."),
    h("div", { class: "row" }, field("duration", "For", duration), field("mode", "Mode", mode)),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", "aria-label": "Quick silence incident " + who }, "Quick silence"),
      o.onCancel ? h("button", { type: "button", "aria-label": "Cancel quick silence of incident " + who, onclick: o.onCancel }, "Cancel") : null),
    h("p", { class: "form-error", role: "alert" }), done);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    done.textContent = "";
    const d = duration.value;
    try {
      const s = await api("POST", "/incidents/" + incidentId + "/silence", { duration: /^\d+$/.test(d) ? Number(d) : d, mode: mode.value });
      done.textContent = "Silence \u201c" + s.name + "\u201d holds new alerts where " + filterText(s.filters) +
        ", until " + when(s.time.end) + " (" + s.mode + ").";
      status("Quick silence until " + when(s.time.end));
      if (o.onDone) await o.onDone(s);
    } catch (err) {
      showError(form, err);
    }
  });
  return form;
}
