// noise.js - a channel's Noise reduction tab: one section per rule kind
// (grouping, flapping, silences, inhibits, quick silence of an incident),
// with a bar that jumps to each (buttons, not #anchors: the hash is the
// router's).
import { api } from "./api.js";
import { h, fill, field, select } from "./dom.js";
import { groupingSection } from "./grouping.js";
import { flappingSection } from "./flapping.js";
import { silencesSection } from "./silences.js";
import { inhibitsSection } from "./inhibits.js";
import { quickSilenceForm } from "./quicksilence.js";

async function quickSection(el, ch, after) {
  const data = await api("GET", "/incidents?channel_id=" + ch.id + "&limit=50");
  const slot = h("div");
  const show = (id) => {
    const inc = data.items.find((i) => i.id === id);
    fill(slot, inc ? quickSilenceForm(inc, { onDone: after }) : null);
  };
  const pick = select(data.items.map((i) => [i.id, "#" + i.id + " " + i.title + " (" + i.progress + ")"]),
    data.items.length ? data.items[0].id : "", { class: "incident-pick" });
  pick.addEventListener("change", () => show(pick.value));
  fill(el, h("h2", { tabindex: "-1" }, "Quick silence"),
    h("p", { class: "muted" }, "Silence alerts like one of this channel's incidents (also on the incident's page)."),
    data.items.length ? [field("incident", "Incident", pick), slot]
      : h("p", { class: "empty" }, "No incidents in this channel yet."));
  if (data.items.length) show(pick.value);
}

const SECTIONS = [["grouping", "Grouping"], ["flapping", "Flapping"], ["silences", "Silences"], ["inhibits", "Inhibits"],
  ["quick", "Quick silence"]];

export async function noiseTab(el, ctx, ch) {
  const boxes = Object.fromEntries(SECTIONS.map(([k]) => [k, h("section", { class: "card noise-" + k })]));
  const jump = h("nav", { class: "jump", "aria-label": "Noise reduction sections" },
    SECTIONS.map(([k, label]) => h("button", { type: "button", class: "small", "aria-label": "Go to " + label,
      onclick: () => {
        const head = boxes[k].querySelector("h2");
        head.scrollIntoView({ block: "start" });
        head.focus({ preventScroll: true });
      } }, label)));
  fill(el, jump, SECTIONS.map(([k]) => boxes[k]));
  let silences = null;
  await Promise.all([
    groupingSection(boxes.grouping, ch),
    flappingSection(boxes.flapping, ch),
    silencesSection(boxes.silences, ctx, ch).then((s) => { silences = s; }),
    inhibitsSection(boxes.inhibits, ctx, ch),
  ]);
  await quickSection(boxes.quick, ch, () => silences.load());
  for (const [k] of SECTIONS) {
    const head = boxes[k].querySelector("h2");
    head.id = "noise-" + k + "-title";
    boxes[k].setAttribute("aria-labelledby", head.id);
  }
}
