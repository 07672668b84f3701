// autoresolve.js - a channel's Auto-resolve tab (api.md §2.9 Auto-resolve):
// the timeout (shown in a friendly unit, sent in seconds), what it counts
// from, and whether an incident whose alerts all recovered stays open.
import { api } from "./api.js";
import { h, fill, field, showError, clearErrors, status, select } from "./dom.js";

const UNITS = [["86400", "days"], ["3600", "hours"], ["60", "minutes"], ["1", "seconds"]];

// The largest unit that divides the stored seconds evenly (86400 → 1 day).
function split(sec) {
  if (!sec) return [0, "3600"];
  const u = UNITS.find(([f]) => sec % Number(f) === 0);
  return [sec / Number(u[0]), u[0]];
}

export async function autoResolveTab(el, ctx, ch) {
  const [n, unitValue] = split(ch.auto_resolve_timeout || 0);
  const amount = h("input", { type: "number", min: 0, value: n, class: "num" });
  const unit = select(UNITS, unitValue, { "aria-label": "Timeout unit" });
  const mode = select([["trigger", "the incident's start"], ["update", "its last alert event"]], ch.auto_resolve_mode || "trigger");
  const keep = h("input", { type: "checkbox", checked: !!ch.disable_auto_close });
  const current = h("p", { class: "muted" });
  const show = (c) => {
    current.textContent = c.auto_resolve_timeout
      ? "Now: open incidents close " + c.auto_resolve_timeout + " s after " + (c.auto_resolve_mode === "update" ? "their last alert event" : "their start") + "."
      : "Now: off, incidents stay open until resolved" + (c.disable_auto_close ? "." : " or all their alerts recover.");
  };
  show(ch);
  const form = h("form", { class: "card autoresolve" },
    h("h2", {}, "Auto-resolve"),
    h("p", { class: "muted" }, "Close incidents that stay open too long. 0 turns it off. Changing it re-arms the timers of open incidents."),
    h("div", { class: "row" },
      h("div", { class: "field", "data-field": "auto_resolve_timeout" },
        h("label", { for: "ar-amount" }, "Resolve after"),
        h("div", { class: "pick-row" }, Object.assign(amount, { id: "ar-amount" }), unit),
        h("p", { class: "hint" }, "0 (off) up to 30 days"),
        h("p", { class: "field-error", role: "alert", id: "ar-amount-err" })),
      field("auto_resolve_mode", "Counted from", mode)),
    h("div", { class: "field", "data-field": "disable_auto_close" },
      h("label", { class: "check" }, keep, "Keep an incident open when all its alerts recovered (close it by hand or by the timeout)"),
      h("p", { class: "field-error", role: "alert" })),
    current,
    h("button", { type: "submit", class: "primary" }, "Save auto-resolve"),
    h("p", { class: "form-error", role: "alert" }));
  amount.setAttribute("aria-describedby", "ar-amount-err");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const v = amount.value.trim() === "" ? NaN : Number(amount.value) * Number(unit.value);
    try {
      const saved = await api("PATCH", "/channels/" + ch.id, {
        auto_resolve_timeout: Number.isFinite(v) ? v : amount.value,
        auto_resolve_mode: mode.value, disable_auto_close: keep.checked });
      show(saved);
      status("Saved auto-resolve of " + saved.name);
    } catch (err) {
      showError(form, err);
    }
  });
  fill(el, form);
}
