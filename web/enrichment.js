// enrichment.js - the label enrichment editor, #/integrations/ID/enrichment
// (api.md §2.7, integration-layer.md §1): ordered rules of the four kinds
// (extraction, composition, mapping, drop), each with its optional AND
// condition; Save replaces them all. Below, the mapping tables.
import { api, all } from "./api.js";
import { h, fill, field, clearErrors, status, select, uid } from "./dom.js";
import { integrationTabs, crumbs, ruleList, optionalFilter, showRuleError, kindPicker, splitList } from "./rules.js";
import { mappingTables } from "./mappings.js";

const KINDS = [
  ["extraction", "Extract a label (regular expression)"],
  ["composition", "Compose a label (template)"],
  ["mapping", "Map labels (mapping table)"],
  ["drop", "Delete labels"],
];

function sourceFields() {
  let dl = document.getElementById("enrich-sources");
  if (!dl) {
    dl = h("datalist", { id: "enrich-sources" }, ["title", "description", "labels."].map((v) => h("option", { value: v })));
    document.body.appendChild(dl);
  }
  return dl.id;
}

// The fields of "result_label" and "override" that three kinds share.
function resultFields(s) {
  const label = h("input", { value: s.result_label || "", placeholder: "code", autocomplete: "off" });
  const override = h("input", { type: "checkbox", checked: !!s.override });
  const els = [field("result_label", "Result label", label, "a-z, 0-9 and _, starting with a letter"),
    h("div", { class: "field", "data-field": "override" },
      h("label", { class: "check" }, override, "Replace the label when the event has it"),
      h("p", { class: "field-error", role: "alert" }))];
  els.read = () => ({ result_label: label.value.trim(), override: override.checked });
  return els;
}

const SETTINGS = {
  extraction(s) {
    const src = h("input", { value: s.source_field || "title", list: sourceFields(), autocomplete: "off" });
    const pattern = h("input", { value: s.pattern || "", placeholder: "code=(?P<result>\\d+)", spellcheck: "false", class: "mono" });
    const res = resultFields(s);
    const el = h("div", { class: "settings" },
      h("div", { class: "row" }, field("source_field", "Source field", src, "title, description or labels.NAME"),
        field("pattern", "Pattern", pattern, "PCRE; the group (?P<result>…), else the whole match")), res);
    el.read = () => ({ source_field: src.value.trim(), pattern: pattern.value, ...res.read() });
    return el;
  },
  composition(s) {
    const tpl = h("input", { value: s.template || "", placeholder: "{{.labels.host}}/{{.labels.code}}", spellcheck: "false", class: "mono" });
    const res = resultFields(s);
    const el = h("div", { class: "settings" },
      field("template", "Template", tpl, "{{.title}}, {{.description}}, {{.labels.NAME}}, {{.IntegrationName}}, {{.IntegrationType}}"), res);
    el.read = () => ({ template: tpl.value, ...res.read() });
    return el;
  },
  mapping(s, tables) {
    const schema = h("select", {});
    const cols = h("fieldset", { class: "channel-pick" }, h("legend", {}, "Result labels to set"));
    const override = h("input", { type: "checkbox", checked: !!s.override });
    let chosen = s.result_labels || null;
    const table = () => tables.items.find((t) => String(t.id) === schema.value);
    function drawCols() {
      const t = table();
      fill(cols, h("legend", {}, "Result labels to set"), t ? t.result_labels.map((c) => h("label", { class: "check" },
        h("input", { type: "checkbox", value: c, checked: !chosen || chosen.includes(c) }), c))
        : h("p", { class: "muted" }, "Pick a table."));
    }
    function drawTables() {
      const cur = schema.value || (s.schema_id ? String(s.schema_id) : "");
      fill(schema, h("option", { value: "" }, tables.items.length ? "— pick a table —" : "— make a table below —"),
        tables.items.map((t) => h("option", { value: t.id, selected: String(t.id) === cur },
          t.name + " (" + t.source_labels.join(", ") + " → " + t.result_labels.join(", ") + ")")));
      drawCols();
    }
    schema.addEventListener("change", () => { chosen = null; drawCols(); });
    drawTables();
    const el = h("div", { class: "settings" }, field("schema_id", "Mapping table", schema),
      h("div", { "data-field": "result_labels" }, cols, h("p", { class: "field-error", role: "alert" })),
      h("div", { class: "field", "data-field": "override" },
        h("label", { class: "check" }, override, "Replace labels the event has"),
        h("p", { class: "field-error", role: "alert" })));
    el.read = () => {
      const boxes = [...cols.querySelectorAll("input")];
      const on = boxes.filter((b) => b.checked).map((b) => b.value);
      const out = { schema_id: schema.value, override: override.checked };
      // All columns is the default: leave result_labels out then.
      if (on.length !== boxes.length) out.result_labels = on;
      return out;
    };
    el.refreshTables = drawTables;
    return el;
  },
  drop(s) {
    const names = h("input", { value: (s.drop_labels || []).join(", "), placeholder: "internal_id, trace" });
    const el = h("div", { class: "settings" }, field("drop_labels", "Labels to delete", names, "comma separated"));
    el.read = () => ({ drop_labels: splitList(names.value) });
    return el;
  },
};

function ruleBody(r, tables) {
  let kind = SETTINGS[r.kind] ? r.kind : "extraction";
  let settings = SETTINGS[kind](r.settings || {}, tables);
  const slot = h("div", {}, settings);
  const picker = kindPicker(KINDS, kind, (k) => {
    kind = k;
    settings = SETTINGS[k]({}, tables);
    fill(slot, settings);
  });
  const when = optionalFilter(r.if, "if", "Condition",
    { and: true, allText: "every event", whenText: "only events where all of these hold" });
  const id = uid("kind");
  picker.id = id;
  const body = h("div", { class: "rule-body" },
    h("div", { class: "field", "data-field": "kind" }, h("label", { for: id }, "Kind"), picker,
      h("p", { class: "field-error", role: "alert" })),
    slot, when);
  body.read = () => {
    const out = { kind, settings: settings.read() };
    const c = when.value();
    if (c !== undefined) out.if = c;
    return out;
  };
  body.refreshTables = () => settings.refreshTables && settings.refreshTables();
  return body;
}

export function enrichmentPage(id) {
  return async (el) => {
    const [i, doc, items] = await Promise.all([api("GET", "/integrations/" + id),
      api("GET", "/integrations/" + id + "/enrichment"), all("/mapping-schemas")]);
    const tables = { items };
    const rules = ruleList((r) => ruleBody(r, tables));
    for (const r of doc.rules || []) rules.add(r);
    const kind = select(KINDS, "extraction", { "aria-label": "Kind of the new rule" });
    const form = h("form", { class: "routing enrichment" },
      h("div", { "data-field": "rules" }, rules.el, h("p", { class: "field-error", role: "alert" })),
      h("p", { class: "empty", hidden: (doc.rules || []).length > 0 }, "No rules: events keep the labels they came with."),
      h("div", { class: "toolbar" }, kind,
        h("button", { type: "button", onclick: () => {
          form.querySelector("p.empty").hidden = true;
          rules.add({ kind: kind.value }).querySelector("select").focus();
        } }, "Add rule")),
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save enrichment")),
      h("p", { class: "form-error", role: "alert" }));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        await api("PUT", "/integrations/" + id + "/enrichment", { rules: rules.read() });
        status("Saved the enrichment of " + i.name);
      } catch (err) {
        showRuleError(form, rules.el, err);
      }
    });
    const changed = () => { for (const li of rules.el.children) li.body.refreshTables(); };
    fill(el, await crumbs(i, "enrichment"), h("h1", {}, "Enrichment: " + i.name), integrationTabs(i, "enrichment"),
      h("p", { class: "muted" }, "Rules run from top to bottom on every event, Ok included, before alert processing" +
        (i.channel_id === null ? " and routing" : "") + ". Each sees the labels the rules above it made."),
      form, mappingTables(tables, changed));
  };
}
