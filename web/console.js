"use strict";
// Everything shown is set with textContent: nothing from the API is parsed as HTML.
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem("alerthub-token") || "";
$("token").value = token;

async function api(method, path, body) {
  const res = await fetch("/api/v1" + path, {
    method, headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (json.error) throw new Error(json.error.code + ": " + json.error.message);
  return json.data;
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function when(t) { return t ? new Date(t * 1000).toLocaleString() : ""; }

function fill(tableId, items, row) {
  const tbody = $(tableId).querySelector("tbody");
  tbody.replaceChildren();
  for (const item of items) { const tr = document.createElement("tr"); row(tr, item); tbody.appendChild(tr); }
}

function button(td, label, fn) {
  const b = document.createElement("button");
  b.textContent = label;
  b.onclick = () => fn().then(refresh).catch(show);
  td.appendChild(b);
}

function show(e) { $("error").textContent = e ? e.message : ""; }

async function refresh() {
  try {
    const progress = $("progress").value, q = $("q").value;
    const params = new URLSearchParams();
    if (progress) params.set("progress", progress);
    if (q) params.set("q", q);
    const inc = await api("GET", "/incidents?" + params);
    fill("incidents", inc.items, (tr, i) => {
      cell(tr, i.status === "Ok" ? "Ok" : i.severity, i.status === "Ok" ? "Ok" : i.severity);
      cell(tr, i.title); cell(tr, i.progress);
      cell(tr, i.active_alert_count + "/" + i.alert_count); cell(tr, i.event_count);
      cell(tr, when(i.start_time));
      const td = cell(tr, "");
      if (i.progress === "Triggered") button(td, "Ack", () => api("POST", "/incidents/" + i.id + "/ack"));
      if (i.progress !== "Closed") button(td, "Resolve", () => api("POST", "/incidents/" + i.id + "/resolve"));
      else button(td, "Reopen", () => api("POST", "/incidents/" + i.id + "/reopen"));
    });
    const ch = await api("GET", "/channels");
    fill("channels", ch.items, (tr, c) => { cell(tr, c.id); cell(tr, c.name); cell(tr, c.description); });
    const ig = await api("GET", "/integrations");
    fill("integrations", ig.items, (tr, i) => {
      cell(tr, i.name); cell(tr, i.type); cell(tr, i.channel_id || "shared");
      const code = document.createElement("code"); code.textContent = i.push_url;
      cell(tr, "").appendChild(code); cell(tr, when(i.last_event_at));
    });
    show(null);
  } catch (e) { show(e); }
}

$("save").onclick = () => { token = $("token").value; localStorage.setItem("alerthub-token", token); refresh(); };
$("filter").onsubmit = (e) => { e.preventDefault(); refresh(); };
$("new-channel").onsubmit = (e) => {
  e.preventDefault();
  api("POST", "/channels", { name: $("channel-name").value }).then(refresh).catch(show);
};
$("new-integration").onsubmit = (e) => {
  e.preventDefault();
  const body = { name: $("integration-name").value, type: $("integration-type").value };
  if ($("integration-channel").value) body.channel_id = $("integration-channel").value;
  api("POST", "/integrations", body).then(refresh).catch(show);
};
if (token) refresh();
setInterval(() => { if (token) refresh(); }, 10000);
