// Timelapser dashboard: the Webhooks section of the settings page (list with masked URLs, add / edit / delete, a test
// delivery, and a webhook's recent deliveries, polled while some are still on their way).
"use strict";

const WEBHOOK_EVENTS = ["camera_offline", "camera_online", "timelapse_completed", "video_completed", "video_failed", "disk_low", "thumbnail_job_failed", "retention_applied"];
const webhookState = { poll: null, shown: null };

function webhooksSection() {
  return h("section", { class: "panel", id: "webhooks-panel", "aria-labelledby": "s-webhooks" },
    h("h2", { id: "s-webhooks", text: "Webhooks" }),
    h("p", { class: "meta", text: "POST a signed JSON body to a URL of yours (Home Assistant, ntfy, a NAS…) when one of these events happens." }),
    h("div", { id: "webhooks" }, "Loading…"),
    h("div", { id: "webhook-form-slot" }),
    h("div", { id: "webhook-deliveries", "aria-live": "polite" }));
}

function leaveWebhooks() { clearTimeout(webhookState.poll); webhookState.poll = null; webhookState.shown = null; }

async function renderWebhooks() {
  const box = $("#webhooks");
  if (!box) return;
  let hooks;
  try { hooks = await api.get("/api/webhooks"); } catch (err) { box.textContent = err.message; return; }
  box.replaceChildren(hooks.length
    ? h("table", { class: "webhooks" },
        h("thead", {}, h("tr", {}, ["URL", "Events", "Enabled", "Secret", ""].map((t) => h("th", { text: t })))),
        h("tbody", {}, hooks.map((w) => h("tr", { "data-webhook": w.id },
          h("td", { class: "url" }, h("code", { text: w.url })),
          h("td", {}, w.events.map((e) => h("span", { class: "chip", text: e }))),
          h("td", { text: w.enabled ? "✓ yes" : "no", class: w.enabled ? "ok" : "meta" }),
          h("td", { text: w.has_secret ? "signed" : "none" }),
          h("td", { class: "row-actions" },
            h("button", { type: "button", class: "webhook-test", text: "Test", onclick: () => testWebhook(w) }),
            h("button", { type: "button", class: "webhook-deliveries", text: "Deliveries", onclick: () => showDeliveries(w) }),
            h("button", { type: "button", class: "webhook-edit", text: "Edit", onclick: () => showWebhookForm(w) }),
            h("button", { type: "button", class: "webhook-delete danger", text: "Delete", onclick: () => deleteWebhook(w) }))))))
    : h("p", { class: "meta", id: "webhooks-empty", text: "No webhooks yet." }));
  if (!$("#webhook-form")) showWebhookForm(null);
}

/// The add form (`webhook` null) or the edit form of one webhook. Its URL and secret are never answered: left
/// empty they stay as they are.
function showWebhookForm(webhook) {
  const slot = $("#webhook-form-slot");
  if (!slot) return;
  const editing = !!webhook;
  const events = editing ? webhook.events : ["camera_offline", "camera_online"];
  const error = (key) => h("span", { class: "error", id: "webhook-error-" + key, "aria-live": "polite" });
  const form = h("form", { id: "webhook-form", class: "webhook-form", "aria-label": editing ? "Edit webhook" : "New webhook", novalidate: true },
    h("h3", { text: editing ? `Edit webhook ${webhook.url}` : "Add a webhook" }),
    h("div", { class: "form-row" },
      h("div", { class: "field grow" }, h("label", { for: "webhook-url", text: editing ? "URL (empty: unchanged)" : "URL" }),
        h("input", { id: "webhook-url", name: "url", type: "url", placeholder: editing ? webhook.url : "https://example.com/hook" }), error("url")),
      h("div", { class: "field" }, h("label", { for: "webhook-secret", text: editing && webhook.has_secret ? "Secret (empty: unchanged)" : "Secret (optional)" }),
        h("input", { id: "webhook-secret", name: "secret", type: "password", autocomplete: "new-password" }), error("secret")),
      editing && webhook.has_secret ? h("label", { class: "inline-check" }, h("input", { type: "checkbox", id: "webhook-secret-remove", name: "remove_secret" }), "Remove the secret") : null,
      h("label", { class: "inline-check" }, h("input", { type: "checkbox", id: "webhook-enabled", name: "enabled", checked: editing ? webhook.enabled : true }), "Enabled")),
    h("fieldset", { class: "events" }, h("legend", { text: "Events" }),
      WEBHOOK_EVENTS.map((e) => h("label", { class: "inline-check" },
        h("input", { type: "checkbox", name: "events", value: e, id: "webhook-event-" + e, checked: events.includes(e) }), e)),
      error("events")),
    h("div", { class: "form-error error", id: "webhook-error-form", "aria-live": "polite" }),
    h("div", { class: "actions-row" },
      h("button", { type: "submit", class: "primary", id: "webhook-save", text: editing ? "Save webhook" : "Add webhook" }),
      editing ? h("button", { type: "button", id: "webhook-cancel", text: "Cancel", onclick: () => showWebhookForm(null) }) : null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll(".error")) el.textContent = "";
    const url = form.elements.url.value.trim();
    const secret = form.elements.secret.value;
    const body = { events: [...form.querySelectorAll('input[name="events"]:checked')].map((c) => c.value), enabled: form.elements.enabled.checked };
    if (url || !editing) body.url = url;
    if (secret) body.secret = secret;
    else if (form.elements.remove_secret && form.elements.remove_secret.checked) body.secret = null;
    try {
      if (editing) await api.patch(`/api/webhooks/${webhook.id}`, body); else await api.post("/api/webhooks", body);
      toast(editing ? "Webhook saved" : "Webhook added");
      showWebhookForm(null);
      await renderWebhooks();
    } catch (err) {
      const field = err.details && err.details.field;
      const where = field && $("#webhook-error-" + field, form);
      (where || $("#webhook-error-form", form)).textContent = err.message;
      const control = where && form.elements[field];
      if (control && typeof control.focus === "function") control.focus();
    }
  });
  slot.replaceChildren(form);
  if (editing) $("#webhook-url").focus();
}

async function deleteWebhook(webhook) {
  if (!confirm(`Delete the webhook to ${webhook.url} and its delivery history?`)) return;
  try {
    await api.del(`/api/webhooks/${webhook.id}`);
    if (webhookState.shown === webhook.id) { leaveWebhooks(); $("#webhook-deliveries").replaceChildren(); }
    toast("Webhook deleted");
    await renderWebhooks();
  } catch (err) { toast(err.message); }
}

async function testWebhook(webhook) {
  try {
    await api.post(`/api/webhooks/${webhook.id}/test`);
    toast("Test delivery queued");
    await showDeliveries(webhook);
  } catch (err) { toast(err.message); }
}

/// A webhook's newest deliveries; while some are pending or delivering the list refreshes every 1.5 s.
async function showDeliveries(webhook) {
  const box = $("#webhook-deliveries");
  if (!box) return;
  clearTimeout(webhookState.poll);
  webhookState.shown = webhook.id;
  let list;
  try { list = await api.get(`/api/webhooks/${webhook.id}/deliveries?limit=20`); } catch (err) { box.textContent = err.message; return; }
  if (webhookState.shown !== webhook.id || !$("#webhook-deliveries")) return;
  const time = (iso) => iso ? new Date(iso).toLocaleString() : "–";
  box.replaceChildren(
    h("h3", { text: `Recent deliveries to ${webhook.url}` }),
    list.length ? h("table", { class: "deliveries", "data-webhook": webhook.id },
      h("thead", {}, h("tr", {}, ["Event", "Status", "Attempts", "Code", "Error", "Queued", "Delivered / next attempt"].map((t) => h("th", { text: t })))),
      h("tbody", {}, list.map((d) => h("tr", { "data-delivery": d.id, "data-status": d.status },
        h("td", { text: d.event }),
        h("td", {}, h("span", { class: `badge ${d.status === "delivered" ? "completed" : d.status === "failed" ? "failed" : "queued"}`, text: d.status })),
        h("td", { text: d.attempts }),
        h("td", { text: d.last_status_code ?? "–" }),
        h("td", { class: "delivery-error", text: d.last_error || "" }),
        h("td", { text: time(d.created_at) }),
        h("td", { text: d.delivered_at ? time(d.delivered_at) : d.next_attempt_at ? "next " + time(d.next_attempt_at) : "–" })))))
      : h("p", { class: "meta", text: "No deliveries yet." }));
  if (list.some((d) => d.status === "pending" || d.status === "delivering")) {
    webhookState.poll = setTimeout(() => showDeliveries(webhook), 1500);
  }
}
