// console.js - the console's entry module: sign-in and the hash router.
// Pages: #/channels, #/channels/ID/(incidents|integrations|noise),
// #/integrations (Integration Center), #/integrations/ID/routing,
// #/integrations/ID/enrichment, #/integrations/ID/pipeline,
// #/incidents, #/incidents/ID, #/oncall[/(schedules/ID|teams|members|targets|deliveries)].
import { api, token, setToken, onUnauthorized } from "./api.js";
import { h, fill, field, showError } from "./dom.js";
import { channelsPage, channelPage } from "./channels.js";
import { centerPage, routingPage } from "./integrations.js";
import { incidentsPage, incidentPage } from "./incidents.js";
import { oncallPage } from "./oncall.js";
import { enrichmentPage } from "./enrichment.js";
import { pipelinePage } from "./pipeline.js";

const view = () => document.getElementById("view");
let timers = [];

// What a page gets: a way to refresh every few seconds until the page changes.
const ctx = {
  every(ms, fn) {
    timers.push(setInterval(() => {
      if (!document.hidden) fn();
    }, ms));
  },
};

function signIn(message) {
  document.getElementById("nav").hidden = true;
  document.getElementById("signout").hidden = true;
  const input = h("input", { type: "password", autocomplete: "off", required: true, name: "token" });
  const form = h("form", { class: "card signin" },
    h("h1", {}, "Sign in"),
    h("p", {}, "Paste an admin token (printed at the first start) or a scoped token. It is kept for this tab only."),
    field("token", "Token", input),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    try {
      await api("GET", "/channels?limit=1");
      route();
    } catch (err) {
      setToken("");
      showError(form, err);
    }
  });
  view().replaceChildren(form);
  if (message) showError(form, new Error("token: " + message));
  input.focus();
}

const routes = [
  [/^#\/channels\/(\d+)(?:\/(incidents|integrations|noise|escalation|auto-resolve))?$/, (m) => channelPage(m[1], m[2] || "incidents"), "channels"],
  [/^#\/channels$/, () => channelsPage(), "channels"],
  [/^#\/integrations\/(\d+)\/routing$/, (m) => routingPage(m[1]), "integrations"],
  [/^#\/integrations\/(\d+)\/enrichment$/, (m) => enrichmentPage(m[1]), "integrations"],
  [/^#\/integrations\/(\d+)\/pipeline$/, (m) => pipelinePage(m[1]), "integrations"],
  [/^#\/integrations$/, () => centerPage(), "integrations"],
  [/^#\/incidents\/(\d+)$/, (m) => incidentPage(m[1]), "incidents"],
  [/^#\/incidents$/, () => incidentsPage(), "incidents"],
  [/^#\/oncall(?:\/(schedules\/\d+|teams|members|targets|deliveries))?$/, (m) => oncallPage(m[1] || ""), "oncall"],
];

async function route() {
  for (const t of timers) clearInterval(t);
  timers = [];
  if (!token()) return signIn();
  document.getElementById("nav").hidden = false;
  document.getElementById("signout").hidden = false;
  const hash = location.hash || "#/channels";
  const found = routes.find(([re]) => re.test(hash));
  if (!found) {
    location.hash = "#/channels";
    return;
  }
  const [re, page, section] = found;
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.section === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const el = h("div", { class: "page" }, h("p", { class: "loading" }, "Loading…"));
  view().replaceChildren(el);
  try {
    await page(hash.match(re))(el, ctx);
  } catch (e) {
    fill(el, h("p", { class: "form-error", role: "alert" }, e.message));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  onUnauthorized(() => {
    setToken("");
    signIn("the token was refused (Unauthorized)");
  });
  document.getElementById("signout").addEventListener("click", () => {
    setToken("");
    route();
  });
  window.addEventListener("hashchange", route);
  route();
});
