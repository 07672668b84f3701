// flapping.js - a channel's flapping settings (api.md §2.6.3): an alert whose
// key opened or recovered max_changes times within in_mins is flapping; mark
// it, or mark it and mute its incident for mute_mins. GET answers every field
// filled in; PUT replaces the whole configuration.
import { api } from "./api.js";
import { h, fill, field, showError, clearErrors, status, select } from "./dom.js";
import { int } from "./ruleform.js";

export async function flappingSection(el, ch) {
  const path = "/channels/" + ch.id + "/flapping";
  let saved = await api("GET", path);
  const mode = select([["off", "off: nothing is counted"], ["mark", "mark the alert and its incident"],
    ["mute", "mark, and mute the incident"]], saved.mode);
  const num = (v, min, max) => h("input", { type: "number", min, max, step: 1, inputmode: "numeric", value: v, placeholder: "default" });
  const changes = num(saved.max_changes, 2, 100);
  const inMins = num(saved.in_mins, 1, 1440);
  const muteMins = num(saved.mute_mins, 0, 1440);
  const muteField = field("mute_mins", "Mute for (minutes)", muteMins, "0 to 1440, from the last detection.");
  const form = h("form", { class: "flapping-form" },
    field("mode", "Mode", mode),
    h("div", { class: "row" },
      field("max_changes", "Changes", changes, "2 to 100 openings or recoveries of one alert key…"),
      field("in_mins", "Within (minutes)", inMins, "…within 1 to 1440 minutes."),
      muteField),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save flapping")),
    h("p", { class: "form-error", role: "alert" }));
  const sync = () => {
    muteField.hidden = mode.value !== "mute";
  };
  mode.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      saved = await api("PUT", path, { mode: mode.value, max_changes: int(changes), in_mins: int(inMins), mute_mins: int(muteMins) });
      changes.value = saved.max_changes;
      inMins.value = saved.in_mins;
      muteMins.value = saved.mute_mins;
      status("Saved the flapping settings of " + ch.name);
    } catch (err) {
      showError(form, err);
    }
  });
  fill(el, h("h2", { tabindex: "-1" }, "Flapping"),
    h("p", { class: "muted" }, "An alert that keeps opening and recovering is flapping. Counters are kept in memory: a restart starts them afresh."),
    form);
}
