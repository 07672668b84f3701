// console.js - the console's entry module: sign-in and the hash router.
// Pages: #/channels, #/channels/ID/(incidents|integrations|noise),
// #/integrations (Integration Center), #/integrations/ID/routing,
// #/integrations/ID/enrichment, #/integrations/ID/pipeline,
// #/incidents[?filters], #/incidents/ID,
// #/oncall[/(schedules/ID|teams|members|targets|deliveries)].
import { session, signIn as openSession, signOut, onUnauthorized } from "./api.js";
import { h, fill, field, showError } from "./dom.js";
import { channelsPage, channelPage } from "./channels.js";
import { centerPage, routingPage } from "./integrations.js";
import { incidentsPage, incidentPage } from "./incidents.js";
import { oncallPage } from "./oncall.js";
import { enrichmentPage } from "./enrichment.js";
import { pipelinePage } from "./pipeline.js";

const view = () => document.getElementById("view");
let timers = [];
// Whether the session cookie is good: null until the server was asked. The
// cookie itself is HttpOnly; this page never sees it.
let signedIn = null;

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
    h("p", {}, "Paste an admin token (printed at the first start) or a scoped token. The server gives this browser a session for it (12 h idle); the page keeps nothing."),
    field("token", "Token", input),
    h("button", { type: "submit", class: "primary" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await openSession(input.value.trim());
      input.value = "";
      signedIn = true;
      route();
    } catch (err) {
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
  [/^#\/incidents(?:\?.*)?$/, (m) => incidentsPage(m[0]), "incidents"],
  [/^#\/oncall(?:\/(schedules\/\d+|teams|members|targets|deliveries))?$/, (m) => oncallPage(m[1] || ""), "oncall"],
];

async function route() {
  for (const t of timers) clearInterval(t);
  timers = [];
  if (signedIn === null) {
    try {
      signedIn = (await session()) !== null;
    } catch (e) {
      return signIn(e.message);
    }
  }
  if (!signedIn) return signIn();
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
    signedIn = false;
    for (const t of timers) clearInterval(t);
    timers = [];
    signIn("the session ended or its token was revoked (Unauthorized)");
  });
  document.getElementById("signout").addEventListener("click", async () => {
    try {
      await signOut();
    } catch {
      /* the session is forgotten here either way */
    }
    signedIn = false;
    route();
  });
  window.addEventListener("hashchange", route);
  route();
});
