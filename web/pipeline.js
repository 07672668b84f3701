// pipeline.js - the alert processing editor, #/integrations/ID/pipeline
// (api.md §2.7, integration-layer.md §3): ordered rules that rewrite the
// severity, title or description, drop the event or inhibit it while a
// source alert is open, each with its optional condition (OR of AND
// groups); enabled or disabled as a whole; Save replaces them all.
import { api } from "./api.js";
import { h, fill, field, clearErrors, status, select, uid } from "./dom.js";
import { integrationTabs, crumbs, ruleList, optionalFilter, showRuleError, kindPicker, splitList } from "./rules.js";

const KINDS = [
  ["severity_reset", "Rewrite severity"],
  ["title_reset", "Rewrite title"],
  ["description_reset", "Rewrite description"],
  ["alert_drop", "Drop the event"],
  ["alert_inhibit", "Inhibit while a source alert is open"],
];
const TPL_HINT = "Text as is, or a template: [TPL]{{.Labels.service}} {{.Title}} (.Title, .Description, " +
  ".EventSeverity, .AlertKey), ${service}, $service::$check";

function template(key, label, s, area) {
  const input = area ? h("textarea", { rows: 3, spellcheck: "false" }, s[key] || "")
    : h("input", { value: s[key] || "", spellcheck: "false", class: "mono" });
  if (area) input.value = s[key] || "";
  const el = h("div", { class: "settings" }, field(key, label, input, TPL_HINT));
  el.read = () => ({ [key]: input.value });
  return el;
}

const SETTINGS = {
  severity_reset(s) {
    const sev = select([["Critical", "Critical"], ["Warning", "Warning"], ["Info", "Info"]], s.severity || "Critical");
    const el = h("div", { class: "settings" }, field("severity", "New severity", sev));
    el.read = () => ({ severity: sev.value });
    return el;
  },
  title_reset: (s) => template("title", "New title", s, false),
  description_reset: (s) => template("description", "New description", s, true),
  alert_drop() {
    const el = h("div", { class: "settings" }, h("p", { class: "muted" },
      "The event is discarded: nothing is stored and the rules below do not run. The card counts it as dropped."));
    el.read = () => undefined;
    return el;
  },
  alert_inhibit(s) {
    const src = optionalFilter(s.source_filters, "source_filters", "Source alerts",
      { allText: "any open alert of this integration", whenText: "open alerts of this integration matching" });
    const eq = h("input", { value: (s.equals || []).join(", "), placeholder: "labels.host", spellcheck: "false" });
    const el = h("div", { class: "settings" }, src,
      field("equals", "Equal on", eq, "1 to 20 keys, comma separated: severity, title, description, alert_key or labels.NAME"),
      h("p", { class: "muted small" }, "A source counts while it is open and fired within the last 600 s; an alert never inhibits itself."));
    el.read = () => ({ source_filters: src.value() || [], equals: splitList(eq.value) });
    return el;
  },
};

function ruleBody(r) {
  let kind = SETTINGS[r.kind] ? r.kind : "severity_reset";
  let settings = SETTINGS[kind](r.settings || {});
  const slot = h("div", {}, settings);
  const picker = kindPicker(KINDS, kind, (k) => {
    kind = k;
    settings = SETTINGS[k]({});
    fill(slot, settings);
  });
  picker.id = uid("kind");
  const when = optionalFilter(r.if, "if", "Condition",
    { allText: "every firing event", whenText: "only events matching" });
  const body = h("div", { class: "rule-body" },
    h("div", { class: "field", "data-field": "kind" }, h("label", { for: picker.id }, "Kind"), picker,
      h("p", { class: "field-error", role: "alert" })),
    when, slot);
  body.read = () => {
    const out = { kind };
    const c = when.value();
    if (c !== undefined) out.if = c;
    const set = settings.read();
    if (set !== undefined) out.settings = set;
    return out;
  };
  return body;
}

export function pipelinePage(id) {
  return async (el) => {
    const [i, doc] = await Promise.all([api("GET", "/integrations/" + id), api("GET", "/integrations/" + id + "/pipeline")]);
    const rules = ruleList(ruleBody);
    for (const r of doc.rules || []) rules.add(r);
    const state = select([["enabled", "enabled: the rules run"], ["disabled", "disabled: kept, none runs"]],
      doc.status || "enabled");
    const kind = select(KINDS, "severity_reset", { "aria-label": "Kind of the new rule" });
    const form = h("form", { class: "routing pipeline" },
      field("status", "Alert processing", state),
      h("div", { "data-field": "rules" }, rules.el, h("p", { class: "field-error", role: "alert" })),
      h("p", { class: "empty", hidden: (doc.rules || []).length > 0 }, "No rules: events go on as they came."),
      h("div", { class: "toolbar" }, kind,
        h("button", { type: "button", onclick: () => {
          form.querySelector("p.empty").hidden = true;
          rules.add({ kind: kind.value }).querySelector("select").focus();
        } }, "Add rule")),
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save alert processing")),
      h("p", { class: "form-error", role: "alert" }));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        await api("PUT", "/integrations/" + id + "/pipeline", { status: state.value, rules: rules.read() });
        status("Saved the alert processing of " + i.name);
      } catch (err) {
        showRuleError(form, rules.el, err);
      }
    });
    fill(el, await crumbs(i, "alert processing"), h("h1", {}, "Alert processing: " + i.name),
      integrationTabs(i, "pipeline"),
      h("p", { class: "muted" }, "Rules run from top to bottom on firing events, after enrichment" +
        (i.channel_id === null ? " and before routing" : "") + "; Ok events skip them, so a recovery always reaches its alert."),
      form);
  };
}
