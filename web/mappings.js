// mappings.js - mapping tables (api.md §2.7 /mapping-schemas): the list with
// each table's columns and row count, a CSV upload per table (the file is
// sent as it is, Content-Type text/csv), its first rows, delete; and a form
// to make a table. Tables are shared by every integration's enrichment.
import { api, all, csv } from "./api.js";
import { h, fill, field, showError, clearErrors, status, when, plural } from "./dom.js";
import { splitList } from "./rules.js";

const PREVIEW = 5;

// RFC 4180 enough to show the first rows: quotes, doubled quotes, CRLF.
export function parseCsv(text, max) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  const end = () => { row.push(cell); cell = ""; if (row.length > 1 || row[0] !== "") rows.push(row); row = []; };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length && rows.length < max; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\n" || c === "\r") { if (c === "\r" && text[i + 1] === "\n") i++; end(); }
    else cell += c;
  }
  if (rows.length < max && (cell !== "" || row.length)) end();
  return rows;
}

function preview(rows, total) {
  if (!rows.length) return h("p", { class: "muted" }, "No rows uploaded yet.");
  const [head, ...body] = rows;
  return h("div", { class: "table-wrap" },
    h("table", { class: "grid rows-preview" },
      h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, c)))),
      h("tbody", {}, body.map((r) => h("tr", {}, r.map((c, n) => h("td", { "data-label": head[n] || "" }, c)))))),
    total > body.length ? h("p", { class: "muted small" }, "… and " + plural(total - body.length, "more row")) : null);
}

// tables: {items}; changed() after any change, so rule forms can refresh.
export function mappingTables(tables, changed) {
  const list = h("div", { class: "mapping-list" });

  function item(t) {
    const rowsBox = h("div", { class: "rows" });
    const count = h("p", { class: "row-count" });
    const file = h("input", { type: "file", accept: ".csv,text/csv", "aria-label": "CSV file for " + t.name });
    const setCount = (x) => {
      count.textContent = plural(x.row_count, "row") + (x.uploaded_at ? " · uploaded " + when(x.uploaded_at) : "");
    };
    async function show(x) {
      const text = await csv("GET", "/mapping-schemas/" + x.id + "/data");
      fill(rowsBox, preview(parseCsv(text, PREVIEW + 1), x.row_count));
    }
    const upload = h("form", { class: "inline-form upload" },
      h("div", { class: "field", "data-field": "line csv the" }, h("label", { for: file.id = "csv-" + t.id }, "CSV file"), file,
        h("p", { class: "field-error", role: "alert" })),
      h("button", { type: "submit", class: "primary", "aria-label": "Upload CSV to " + t.name }, "Upload CSV"),
      h("p", { class: "form-error", role: "alert" }));
    upload.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(upload);
      if (!file.files.length) return showError(upload, new Error("csv: choose a CSV file first"));
      try {
        const saved = await csv("PUT", "/mapping-schemas/" + t.id + "/data", file.files[0]);
        Object.assign(t, saved);
        setCount(saved);
        status("Uploaded " + plural(saved.row_count, "row") + " to " + t.name);
        await show(saved);
        changed();
      } catch (err) {
        showError(upload, err);
      }
    });
    const err = h("p", { class: "field-error", role: "alert" });
    const el = h("article", { class: "card mapping", "data-id": t.id },
      h("header", {}, h("h3", {}, t.name),
        h("span", { class: "muted" }, t.source_labels.join(", ") + " → " + t.result_labels.join(", "))),
      t.description ? h("p", { class: "muted small" }, t.description) : null,
      count, upload,
      h("div", { class: "buttons" },
        h("button", { type: "button", class: "small", "aria-label": "Show rows of " + t.name,
          onclick: () => show(t).catch((x) => { err.textContent = x.message; }) }, "Show rows"),
        h("button", { type: "button", class: "small danger", "aria-label": "Delete mapping table " + t.name,
          onclick: async () => {
            if (!confirm("Delete mapping table " + t.name + "?")) return;
            try {
              await api("DELETE", "/mapping-schemas/" + t.id);
              status("Deleted mapping table " + t.name);
              await reload();
            } catch (x) {
              err.textContent = x.message;
            }
          } }, "Delete")),
      err, rowsBox);
    setCount(t);
    return el;
  }

  function draw() {
    fill(list, tables.items.length ? tables.items.map(item) : h("p", { class: "empty" }, "No mapping tables yet."));
  }
  async function reload() {
    tables.items = await all("/mapping-schemas");
    draw();
    changed();
  }

  const name = h("input", { maxlength: 64 });
  const desc = h("input", {});
  const src = h("input", { placeholder: "host" });
  const res = h("input", { placeholder: "owner, team" });
  const form = h("form", { class: "new-mapping" }, h("h3", {}, "New mapping table"),
    h("div", { class: "row" }, field("name", "Name", name), field("description", "Description", desc)),
    h("div", { class: "row" },
      field("source_labels", "Source labels", src, "1 to 5, comma separated: the labels looked up"),
      field("result_labels", "Result labels", res, "1 to 20, comma separated: the labels set")),
    h("button", { type: "submit", class: "primary" }, "Create mapping table"),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), source_labels: splitList(src.value), result_labels: splitList(res.value) };
    if (desc.value.trim()) body.description = desc.value.trim();
    try {
      const t = await api("POST", "/mapping-schemas", body);
      status("Created mapping table " + t.name + ": upload its CSV");
      for (const i of [name, desc, src, res]) i.value = "";
      await reload();
      const up = list.querySelector("article.mapping[data-id='" + t.id + "'] input[type=file]");
      if (up) up.focus();
    } catch (err) {
      showError(form, err);
    }
  });
  draw();
  return h("section", { class: "card mappings", "aria-labelledby": "mappings-h" },
    h("h2", { id: "mappings-h" }, "Mapping tables"),
    h("p", { class: "muted" }, "Shared by every integration. A mapping rule looks the event's source labels up " +
      "in a table and sets the row's result labels. The CSV's header names every column; uploading again replaces all rows."),
    list, form);
}
