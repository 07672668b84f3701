// dom.js - building the page. Text is always set with textContent (text
// nodes): nothing from the API or from alerts is ever parsed as HTML.

// h("button", {class: "x", "aria-label": "…", onclick: fn}, "text", child…)
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = String(v);
    else if (k === "value" || k === "checked" || k === "selected") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

// Replaces the children of @el, skipping null/false as h() does (the DOM's
// own replaceChildren would show them as the text "null").
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

let seq = 0;
export function uid(prefix) {
  seq += 1;
  return prefix + "-" + seq;
}

// A labelled form field whose API refusals are shown right under it: the
// wrapper carries data-field, the name the API's messages start with.
export function field(name, label, input, hint) {
  const id = input.id || (input.id = uid("f"));
  const err = h("p", { class: "field-error", id: id + "-err", role: "alert" });
  input.setAttribute("aria-describedby", err.id);
  return h("div", { class: "field", "data-field": name },
    h("label", { for: id }, label), input, hint ? h("p", { class: "hint" }, hint) : null, err);
}

// Shows an API refusal next to the field its message names ("name must be…",
// "filter group 1 condition 1: …", "channel_id \"42\" …"), else at the
// form's own error line. Returns the element the message went to.
export function showError(form, e) {
  clearErrors(form);
  const msg = e && e.message ? e.message : String(e);
  const fields = [...form.querySelectorAll("[data-field]")];
  const lead = msg.toLowerCase();
  let target = null;
  for (const f of fields) {
    for (const name of f.dataset.field.split(" ")) {
      if (lead.startsWith(name) && (!target || name.length > target.len)) target = { f, len: name.length };
    }
  }
  let out = target ? target.f.querySelector(".field-error") : form.querySelector(".form-error");
  if (!out) {
    out = h("p", { class: "form-error", role: "alert" });
    form.appendChild(out);
  }
  out.textContent = msg;
  if (target) target.f.classList.add("invalid");
  return out;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
}

export function when(t) {
  return t ? new Date(t * 1000).toLocaleString() : "never";
}

// A short status line (copy done, saved…), read by screen readers.
let statusTimer = null;
export function status(text) {
  const el = document.getElementById("status");
  el.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { el.textContent = ""; }, 5000);
}

export function plural(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

export function severityBadge(sev, statusText) {
  const s = statusText === "Ok" ? "Ok" : sev;
  return h("span", { class: "badge sev-" + s }, s);
}

export function progressBadge(p) {
  return h("span", { class: "badge prog-" + p }, p);
}

// <select> from [[value, label], …].
export function select(options, value, props) {
  return h("select", props || {},
    options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));
}
