// people.js - the On-call section's Members tab (api.md §2.8: name, email,
// phone, time zone, contacts) and Teams tab (§2.10: a name and members in
// order). Lists with create, edit in place and delete; a refusal is shown
// at its field, a refused delete (ReferenceExist) on the row.
import { api, all } from "./api.js";
import { h, field, clearErrors, status, select } from "./dom.js";
import { crud } from "./crud.js";
import { namePicker, showAt, names, zoneList } from "./pick.js";

function contactsEditor(contacts) {
  const list = h("ol", { class: "contacts", "data-list": "contacts" });
  const relabel = () => [...list.children].forEach((li, n) => li.relabel(n + 1));
  function item(c) {
    const kind = select([["webhook", "webhook"], ["email", "email"]], c.kind || "webhook");
    const addr = h("input", { value: c.address || "", required: true, placeholder: "https://ntfy.example.com/alice", class: "grow" });
    const rm = h("button", { type: "button", class: "icon", title: "Remove contact", onclick: () => { li.remove(); relabel(); } }, "×");
    const li = h("li", { class: "contact" },
      h("div", { class: "pick-row", "data-field": "kind address" }, kind, addr, rm),
      h("p", { class: "form-error", role: "alert" }));
    li.relabel = (n) => {
      kind.setAttribute("aria-label", "Contact " + n + " kind");
      addr.setAttribute("aria-label", "Contact " + n + " address");
      rm.setAttribute("aria-label", "Remove contact " + n);
    };
    li.read = () => ({ kind: kind.value, address: addr.value.trim() });
    return li;
  }
  for (const c of contacts || []) list.appendChild(item(c));
  const add = h("button", { type: "button", class: "small", onclick: () => {
    list.appendChild(item({}));
    relabel();
    list.lastElementChild.querySelector("input").focus();
  } }, "+ Contact");
  relabel();
  const el = h("div", { class: "contacts-editor" }, list, add);
  el.value = () => [...list.children].map((li) => li.read());
  el.addLabel = (who) => add.setAttribute("aria-label", "Add a contact to " + who);
  return el;
}

function memberForm(m, onSaved) {
  const name = h("input", { value: m ? m.name : "", required: true, maxlength: 100 });
  const email = h("input", { type: "email", value: m && m.email ? m.email : "", autocomplete: "off" });
  const phone = h("input", { type: "tel", value: m && m.phone ? m.phone : "", autocomplete: "off" });
  const tz = h("input", { value: m && m.timezone ? m.timezone : "", list: zoneList(), placeholder: "Europe/Berlin" });
  const contacts = contactsEditor(m ? m.contacts : []);
  contacts.addLabel(m ? m.name : "the new member");
  const form = h("form", { class: "member-form" },
    h("div", { class: "row" }, field("name", "Name", name), field("email", "Email", email),
      field("phone", "Phone", phone), field("timezone", "Time zone", tz)),
    h("div", { class: "field", "data-field": "contacts" }, h("span", { class: "label" }, "Other contacts (a webhook gets the generic payload: ntfy, Gotify, an SMS gateway)"),
      contacts, h("p", { class: "field-error", role: "alert" })),
    h("button", { type: "submit", class: "primary", "aria-label": m ? "Save member " + m.name : "Create member" }, m ? "Save" : "Create member"),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const opt = (i) => (i.value.trim() === "" ? null : i.value.trim());
    const body = { name: name.value.trim(), email: opt(email), phone: opt(phone), timezone: opt(tz), contacts: contacts.value() };
    try {
      const saved = m ? await api("PATCH", "/members/" + m.id, body) : await api("POST", "/members", body);
      status((m ? "Saved member " : "Created member ") + saved.name);
      await onSaved(saved);
    } catch (err) {
      showAt(form, err);
    }
  });
  return form;
}

export async function membersTab(el, ctx) {
  await crud(el, ctx, {
    title: "Members", noun: "member", plural: "members", path: "/members",
    load: () => all("/members"),
    columns: [["Name", (m) => m.name], ["Email", (m) => m.email || ""], ["Phone", (m) => m.phone || ""],
      ["Time zone", (m) => m.timezone || ""],
      ["Contacts", (m) => (m.contacts.length ? m.contacts.map((c) => h("div", { class: "mono small" }, c.kind + ": " + c.address))
        : (m.email ? "" : h("span", { class: "muted" }, "none (a page is logged as no_contact)")))]],
    form: memberForm,
  });
}

export async function teamsTab(el, ctx) {
  const members = await all("/members");
  const who = names(members);
  function teamForm(t, onSaved) {
    const name = h("input", { value: t ? t.name : "", required: true, maxlength: 100 });
    const people = namePicker(members, t ? t.member_ids : [], { noun: "member", owner: () => (t ? "team " + t.name : "the new team") });
    const form = h("form", { class: "team-form" }, field("name", "Team name", name),
      h("div", { class: "field", "data-field": "member_ids" }, h("span", { class: "label" }, "Members"), people,
        h("p", { class: "field-error", role: "alert" })),
      h("button", { type: "submit", class: "primary", "aria-label": t ? "Save team " + t.name : "Create team" }, t ? "Save" : "Create team"),
      h("p", { class: "form-error", role: "alert" }));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        const body = { name: name.value.trim(), member_ids: people.value() };
        const saved = t ? await api("PATCH", "/teams/" + t.id, body) : await api("POST", "/teams", body);
        status((t ? "Saved team " : "Created team ") + saved.name);
        await onSaved(saved);
      } catch (err) {
        showAt(form, err);
      }
    });
    return form;
  }
  await crud(el, ctx, {
    title: "Teams", noun: "team", plural: "teams", path: "/teams",
    load: () => all("/teams"),
    columns: [["Name", (t) => t.name], ["Members", (t) => t.member_ids.map(who).join(", ")]],
    form: teamForm,
  });
}
