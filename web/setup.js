// setup.js - how to point each integration type at alerthub: the steps of
// docs/integrations/*.md and api.md §1, with the push URL filled in once
// the integration exists (before Save a placeholder stands in for it).
import { h, status } from "./dom.js";

const PLACEHOLDER = "PUSH_URL";

// Copies a snippet; where the browser refuses, selects it for Ctrl+C.
async function copyText(text, pre) {
  try {
    await navigator.clipboard.writeText(text);
    status("Copied");
  } catch {
    const r = document.createRange();
    r.selectNodeContents(pre);
    getSelection().removeAllRanges();
    getSelection().addRange(r);
    status("Copy is not allowed here: the text is selected, press Ctrl+C");
  }
}

function snippet(text, label) {
  const pre = h("pre", { class: "snippet", tabindex: "0", "aria-label": label }, h("code", {}, text));
  return h("div", { class: "snippet-box" }, pre,
    h("button", { type: "button", class: "small", "aria-label": "Copy " + label,
      onclick: () => copyText(text, pre) }, "Copy"));
}

const url = (u) => h("code", { class: "url" }, u);

const STEPS = {
  volcengine_rtc: (u) => [
    h("li", {}, "Sign in to the Volcengine console and open the ", h("strong", {}, "RTC"), " product console."),
    h("li", {}, "In the left menu open ", h("strong", {}, "Monitor → Alert Notifications"), ", then the ",
      h("strong", {}, "Alert Rules"), " page."),
    h("li", {}, "Create an alert rule or edit one. Tick ", h("strong", {}, "Alert Callback"),
      " and paste the push URL into its box: ", url(u)),
    h("li", {}, "Set the rule's other options, then click ", h("strong", {}, "Confirm"),
      ". Do this for every rule whose alerts should come here."),
  ],
  alertmanager: (u, who) => [
    h("li", {}, "In ", h("code", {}, "alertmanager.yml"), ", add a receiver with the push URL and route alerts to it:",
      snippet("route:\n  receiver: alerthub\n\nreceivers:\n  - name: alerthub\n    webhook_configs:\n" +
        "      - url: '" + u + "'\n        send_resolved: true\n        max_alerts: 100\n",
      "Alertmanager configuration for " + who)),
    h("li", {}, h("code", {}, "send_resolved: true"), " is required (without it alerts never recover); ",
      h("code", {}, "max_alerts: 100"), " because a request holds at most 100 alerts."),
    h("li", {}, "Check the file with ", h("code", {}, "amtool check-config alertmanager.yml"),
      ", then reload Alertmanager (SIGHUP or ", h("code", {}, "POST /-/reload"), ")."),
  ],
  standard: (u, who) => [
    h("li", {}, "POST a standard alert event (JSON) to the push URL, for example:",
      snippet("curl -X POST '" + u + "' \\\n  -H 'Content-Type: application/json' \\\n" +
        "  -d '{\"event_status\": \"Warning\", \"alert_key\": \"disk-db-1\",\n" +
        "       \"title_rule\": \"disk 91% full on db-1\",\n" +
        "       \"labels\": {\"host\": \"db-1\", \"service\": \"storage\"}}'\n",
      "curl example for " + who)),
    h("li", {}, h("code", {}, "event_status"), " is Critical, Warning, Info or Ok; the same ",
      h("code", {}, "alert_key"), " with Ok recovers the alert."),
  ],
};

const NOTES = {
  volcengine_rtc: "RTC may send no recovery callback: resolve the incident here when the problem is over.",
};

// The steps for @type; @i is the saved integration (its push_url and name),
// or null in the Add Integration form.
export function setupSteps(type, i) {
  const u = i ? i.push_url : PLACEHOLDER;
  const who = i ? i.name : "the new integration";
  const make = STEPS[type];
  if (!make) return h("p", { class: "muted" }, "Push to the URL on the card.");
  return h("div", {}, h("ol", { class: "steps" },
    i ? null : h("li", {}, "Save this integration: its card shows the push URL (", url(PLACEHOLDER), " below)."),
    make(u, who)), NOTES[type] ? h("p", { class: "muted small" }, NOTES[type]) : null);
}

// The card's collapsible set-up section.
export function setupDetails(i, open) {
  return h("details", { class: "setup", open: !!open },
    h("summary", { "aria-label": "Set-up instructions for " + i.name }, "Set-up instructions"),
    setupSteps(i.type, i));
}
