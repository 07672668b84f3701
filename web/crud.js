// crud.js - a list page the On-call tabs share (members, teams, notify
// targets): a table from o.load() with Edit (the row becomes o.form) and
// Delete (a refusal such as ReferenceExist shown on the row), and a "New …"
// form under it.
import { api } from "./api.js";
import { h, fill, status } from "./dom.js";

// A list page: rows from load(), a "New …" form, Edit swaps a row for the
// form, Delete shows a refusal on the row.
export async function crud(el, ctx, o) {
  const tbody = h("tbody");
  const empty = h("p", { class: "empty" }, "No " + o.plural + " yet.");
  const table = h("table", { class: "grid " + o.plural.replace(/ /g, "-") },
    h("thead", {}, h("tr", {}, [...o.columns.map(([c]) => c), "Actions"].map((x) => h("th", {}, x)))), tbody);
  async function load() {
    const items = await o.load();
    fill(tbody, items.map(row));
    table.hidden = !items.length;
    empty.hidden = items.length > 0;
  }
  function row(x) {
    const err = h("p", { class: "field-error", role: "alert" });
    const tr = h("tr", { "data-id": x.id },
      o.columns.map(([c, f]) => h("td", { "data-label": c }, f(x))),
      h("td", { class: "actions" },
        h("button", { type: "button", class: "small", "aria-label": "Edit " + o.noun + " " + x.name, onclick: () => {
          const form = o.form(x, load);
          form.appendChild(h("button", { type: "button", "aria-label": "Cancel editing " + x.name, onclick: load }, "Cancel"));
          fill(tr, h("td", { colspan: o.columns.length + 1 }, form));
          form.querySelector("input").focus();
        } }, "Edit"),
        h("button", { type: "button", class: "small danger", "aria-label": "Delete " + o.noun + " " + x.name, onclick: async () => {
          if (!confirm("Delete " + o.noun + " " + x.name + "?")) return;
          try {
            await api("DELETE", o.path + "/" + x.id);
            status("Deleted " + o.noun + " " + x.name);
            await load();
          } catch (e) {
            err.textContent = e.message;
          }
        } }, "Delete"), err));
    return tr;
  }
  // After a create, a fresh form (contacts and pickers emptied too).
  const create = h("section", { class: "card" });
  const fresh = () => fill(create, h("h2", {}, "New " + o.noun), o.form(null, async () => {
    fresh();
    await load();
  }));
  fresh();
  fill(el, h("section", { class: "card" }, h("h2", {}, o.title), h("div", { class: "table-wrap" }, table), empty), create);
  await load();
  return load;
}
