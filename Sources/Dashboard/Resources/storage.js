// Timelapser dashboard: the Storage panel of the settings page (the volume, growth per day and when it is full,
// totals per kind, a stacked bar per camera) and the Retention panel (the default policy, its preview, Apply now).
// The retention fields are shared with the camera form (cameras.js), where a camera can have its own policy.
"use strict";

const STORAGE_KINDS = [["frames", "Frames"], ["thumbnails", "Thumbnails"], ["smalls", "Smalls"], ["videos", "Videos"]];
const GIB = 1024 ** 3;
const storageState = { timer: null, names: new Map() };

// ---------- storage panel ----------
function storageSection() {
  return h("section", { class: "panel", id: "storage-panel", "aria-labelledby": "s-storage" },
    h("div", { class: "panel-head" }, h("h2", { id: "s-storage", text: "Storage" }),
      h("button", { type: "button", id: "storage-refresh", text: "Refresh", onclick: () => renderStorage() })),
    h("div", { id: "storage", "aria-live": "polite" }, "Loading…"));
}

function leaveStorage() { clearTimeout(storageState.timer); storageState.timer = null; }

/// Live updates: a retention run redraws at once; thumbnails written and frames deleted at most every 3 s.
function storageLive(type) {
  if (type === "retention_applied") { renderStorage(); return; }
  if ((type !== "thumbnail_job_completed" && type !== "image_deleted") || storageState.timer) return;
  storageState.timer = setTimeout(() => { storageState.timer = null; renderStorage(); }, 3000);
}

async function renderStorage() {
  if (!$("#storage")) return;
  let r;
  try { r = await api.get("/api/storage"); } catch (err) { if ($("#storage")) $("#storage").textContent = err.message; return; }
  const box = $("#storage");
  if (!box) return;  // the page was left meanwhile
  storageState.names = new Map(r.cameras.map((c) => [c.camera_id, c.name]));
  const vol = r.volume || {};
  const total = vol.total_bytes || 0, used = Math.max(0, total - (vol.free_bytes || 0));
  const pct = (n) => total ? Math.min(100, 100 * n / total) : 0;
  const ours = Math.min(used, r.totals.total.bytes);
  const growth = r.growth_bytes_per_day || 0;
  const days = r.days_until_full;
  const forecast = days === null || days === undefined ? (growth > 0 ? "" : " · not growing")
    : days < 1 ? " · full within a day" : days < 730 ? ` · full in ${plural(Math.floor(days), "day")}` : ` · full in about ${Math.round(days / 365)} years`;
  const max = Math.max(1, ...r.cameras.map((c) => c.total.bytes));
  const windowDays = Number(r.growth_window_days) || 0;  // a young catalogue has measured less than a day
  const window_ = windowDays < 1 ? `last ${Math.max(1, Math.round(windowDays * 24))} h` : `last ${plural(Math.round(windowDays), "day")}`;
  box.replaceChildren(
    h("div", { class: "storage-volume", id: "storage-volume" },
      h("div", { text: `Volume: ${bytesText(vol.free_bytes)} free of ${bytesText(total)} (${pct(used).toFixed(0)}% used, ${bytesText(ours)} of it Timelapser's)` }),
      h("div", { class: "volume-bar", role: "img", "aria-label": `${pct(used).toFixed(0)}% of the volume used, ${pct(ours).toFixed(1)}% by Timelapser` },
        h("span", { class: "seg ours", style: `width: ${pct(ours).toFixed(3)}%`, title: `Timelapser: ${bytesText(ours)}` }),
        h("span", { class: "seg other", style: `width: ${pct(used - ours).toFixed(3)}%`, title: `Other files: ${bytesText(used - ours)}` }))),
    h("div", { class: growth > 0 ? "storage-growth" : "storage-growth meta", id: "storage-growth",
      text: growth > 0 ? `Growing ${bytesText(growth)} per day (${window_})${forecast}`
        : `Not growing (${window_})${forecast.replace(" · not growing", "")}` }),
    h("div", { class: "stats storage-totals", id: "storage-totals" },
      [...STORAGE_KINDS, ["total", "In all"]].map(([k, label]) => h("div", { class: "stat", "data-kind": k },
        h("b", { text: bytesText(r.totals[k].bytes) }), `${label} · ${plural(r.totals[k].files, "file")}`))),
    r.cameras.length ? h("div", { class: "storage-cameras" }, r.cameras.map((c) => cameraStorageChart(c, max)))
      : h("p", { class: "meta", text: "No cameras yet." }));
}

/// One camera: a bar of its bytes by kind (scaled to the largest camera), the same figures as text, per day, retention.
function cameraStorageChart(c, max) {
  const title = (k, label) => `${label}: ${bytesText(c[k].bytes)} in ${plural(c[k].files, "file")}`;
  const summary = STORAGE_KINDS.map(([k, label]) => `${label.toLowerCase()} ${bytesText(c[k].bytes)}`).join(", ");
  return h("article", { class: "storage-camera", "data-storage-camera": c.camera_id },
    h("div", { class: "storage-camera-head" },
      h("h3", {}, h("a", { href: `#/cameras/${c.camera_id}`, text: c.name })),
      h("span", { class: "storage-total", "data-field": "total", text: `${bytesText(c.total.bytes)} · ${plural(c.total.files, "file")}` })),
    h("div", { class: "storage-bar", role: "img", "aria-label": `${c.name}: ${bytesText(c.total.bytes)} (${summary})` },
      STORAGE_KINDS.filter(([k]) => c[k].bytes > 0).map(([k, label]) => h("span", { class: "seg " + k, "data-kind": k,
        "data-bytes": c[k].bytes, style: `width: ${(100 * c[k].bytes / max).toFixed(3)}%`, title: title(k, label) }))),
    h("ul", { class: "storage-legend" }, STORAGE_KINDS.map(([k, label]) => h("li", { "data-kind": k, title: title(k, label) },
      h("span", { class: "key " + k, "aria-hidden": "true" }), `${label} ${bytesText(c[k].bytes)} · ${plural(c[k].files, "file")}`))),
    h("div", { class: "meta", "data-field": "per-day", text: `Captured per day: ${bytesText(c.captured_bytes_per_day)}` }),
    h("div", { class: "meta", "data-field": "retention",
      text: `Retention: ${c.retention_is_own ? "own policy" : "default policy"} (${retentionSummary(c.retention)})` }),
    c.timelapses && c.timelapses.length ? h("details", { class: "storage-timelapses" },
      h("summary", { text: plural(c.timelapses.length, "timelapse") }),
      h("table", {}, h("tr", {}, ["Timelapse", "Frames", "Thumbnails", "Smalls", "Videos", "Total"].map((t) => h("th", { text: t }))),
        c.timelapses.map((t) => h("tr", { "data-timelapse": t.timelapse_id }, h("td", {}, h("a", { href: `#/timelapses/${t.timelapse_id}`, text: t.name })),
          [...STORAGE_KINDS.map(([k]) => k), "total"].map((k) => h("td", { text: bytesText(t[k].bytes) })))))) : null);
}

/// A policy in words: "off", or "every frame 7 days, then 2/hour until 30 days, then 1/day near 12:00, at most 50.0 GB".
function retentionSummary(p) {
  if (!p || !p.enabled) return "off";
  const parts = [];
  if (p.keep_all_days !== null && p.keep_all_days !== undefined) parts.push(`every frame ${plural(p.keep_all_days, "day")}`);
  if (p.thin_to_per_hour) parts.push(`${p.thin_to_per_hour}/hour${p.thin_days !== null && p.thin_days !== undefined ? ` until ${plural(p.thin_days, "day")}` : ""}`);
  if (p.per_day) parts.push(`${p.per_day.count}/day${p.per_day.near ? " near " + p.per_day.near : ""}`);
  if (p.max_bytes) parts.push(`at most ${bytesText(p.max_bytes)}`);
  if (p.video_retention_days !== null && p.video_retention_days !== undefined) parts.push(`videos ${plural(p.video_retention_days, "day")}`);
  return parts.length ? parts.join(", then ").replace(", then at most", ", at most").replace(", then videos", ", videos") : "on, keeps everything";
}

// ---------- retention fields (default policy here, a camera's own in cameras.js) ----------
/// The policy's inputs, named `${prefix}.field`; `errorSlot("retention.field")` makes each field's error slot.
function retentionFields(prefix, policy, errorSlot) {
  const p = policy || {};
  const perDay = p.per_day || {};
  const field = (key, label, value, attrs = {}) => {
    const id = `${prefix}-${key.replace(".", "-")}`;
    return h("div", { class: "field" }, h("label", { for: id, text: label }),
      h("input", { id, name: `${prefix}.${key}`, type: "number", min: 0, step: 1, size: 6, value: value ?? "", ...attrs }),
      errorSlot("retention." + key));
  };
  return h("div", { class: "retention-fields" },
    h("div", { class: "field" }, h("label", { class: "inline-check" },
      h("input", { type: "checkbox", id: `${prefix}-enabled`, name: `${prefix}.enabled`, checked: p.enabled === true }), "Enabled"),
      errorSlot("retention.enabled")),
    field("keep_all_days", "Keep every frame (days)", p.keep_all_days),
    field("thin_to_per_hour", "Then keep per hour", p.thin_to_per_hour, { min: 1 }),
    field("thin_days", "…until (days)", p.thin_days),
    field("per_day.count", "Then keep per day", perDay.count, { min: 1, max: 1440 }),
    field("per_day.near", "…nearest (HH:MM)", perDay.near, { type: "text", inputmode: "numeric", placeholder: "12:00", min: null, step: null }),
    field("max_bytes", "Max size per camera (GB)", p.max_bytes ? +(p.max_bytes / GIB).toFixed(3) : "", { step: "any" }),
    field("video_retention_days", "Delete videos after (days)", p.video_retention_days));
}

/// The policy the fields say; an empty field is null. Text that is no number is sent as is, for the server to name.
function retentionPolicy(form, prefix) {
  const v = (key) => form.elements[`${prefix}.${key}`].value.trim();
  const n = (s) => s === "" ? null : Number.isNaN(Number(s)) ? s : Number(s);
  const policy = { enabled: form.elements[`${prefix}.enabled`].checked, keep_all_days: n(v("keep_all_days")),
    thin_to_per_hour: n(v("thin_to_per_hour")), thin_days: n(v("thin_days")), per_day: null, max_bytes: null,
    video_retention_days: n(v("video_retention_days")) };
  const count = v("per_day.count"), near = v("per_day.near");
  if (count !== "" || near !== "") { policy.per_day = { count: n(count) }; if (near) policy.per_day.near = near; }
  const size = n(v("max_bytes"));
  if (size !== null) policy.max_bytes = typeof size === "number" ? Math.round(size * GIB) : size;
  return policy;
}

// ---------- retention panel ----------
const retentionErrorId = (field) => "retention-error-" + String(field).replace(/^retention\./, "").replace(/[._]/g, "-");

function retentionSection(settings) {
  const form = h("form", { id: "retention-form", "aria-label": "Default retention policy", novalidate: true },
    retentionFields("retention", settings.retention, (key) => h("span", { class: "error", id: retentionErrorId(key), "aria-live": "polite" })),
    h("div", { class: "form-error error", id: "retention-error-form", "aria-live": "polite" }),
    h("div", { class: "actions-row" },
      can("admin") ? h("button", { class: "primary", type: "submit", id: "retention-save", text: "Save retention" }) : null,
      can("operator") ? h("button", { type: "button", id: "retention-preview", text: "Preview", onclick: () => previewRetention(form) }) : null,
      can("operator") ? h("button", { type: "button", id: "retention-apply", class: "danger", text: "Apply now", onclick: () => applyRetention() }) : null));
  form.addEventListener("submit", (e) => { e.preventDefault(); if (can("admin")) saveRetention(form); });
  if (!can("operator")) for (const input of form.querySelectorAll("input")) input.disabled = true;  // a viewer's: read only
  return h("section", { class: "panel", id: "retention-panel", "aria-labelledby": "s-retention" },
    h("h2", { id: "s-retention", text: "Retention (default policy)" }),
    h("p", { class: "meta", text: "From newest to oldest: every frame is kept for the first days; then frames are thinned to a number per hour; "
      + "older ones to a number per day. A size cap thins the oldest further. An empty field skips its step. Cameras with a policy of "
      + "their own (set on the camera's page) do not use this one. Preview weighs the form as if enabled; Apply now runs the saved policies." }),
    form, h("div", { class: "result", id: "retention-result", role: "status" }));
}

function showRetentionError(form, err) {
  const field = err.details && err.details.field;
  const slot = field && $("#" + retentionErrorId(field), form);
  if (!slot) { $("#retention-error-form", form).textContent = err.message; return; }
  slot.textContent = err.message;
  const control = slot.parentElement.querySelector("input");
  if (control) { control.setAttribute("aria-invalid", "true"); control.focus(); }
}

async function saveRetention(form) {
  clearErrors(form);
  try {
    await api.patch("/api/settings", { retention: retentionPolicy(form, "retention") });
    toast("Retention saved");
    renderStorage();
  } catch (err) { showRetentionError(form, err); }
}

async function previewRetention(form) {
  const out = $("#retention-result");
  clearErrors(form);
  out.textContent = "Weighing…";
  try {
    const r = await api.post("/api/retention/preview", { retention: retentionPolicy(form, "retention") });
    out.replaceChildren(retentionFigures(r));
  } catch (err) { out.textContent = ""; showRetentionError(form, err); }
}

/// A preview's figures: in all, then per camera "N frames, X would go (oldest … newest)".
function retentionFigures(r) {
  const videos = r.cameras.reduce((sum, c) => sum + (c.videos_to_delete || 0), 0);
  return h("div", { id: "retention-preview-list" },
    h("strong", { text: `${plural(r.frames_to_delete, "frame")}${videos ? " and " + plural(videos, "video") : ""}, ${bytesText(r.bytes_to_free)} would go in all` }),
    r.cameras.length ? h("ul", {}, r.cameras.map((c) => {
      const name = storageState.names.get(c.camera_id) || `Camera ${c.camera_id}`;
      const frames = c.frames_to_delete ? `${plural(c.frames_to_delete, "frame")}, ${bytesText(c.bytes_to_free)} would go (${when(c.oldest)} … ${when(c.newest)})` : "no frame would go";
      const vids = c.videos_to_delete ? `; ${plural(c.videos_to_delete, "video")}, ${bytesText(c.video_bytes_to_free)}` : "";
      return h("li", { "data-retention-camera": c.camera_id, text: `${name}: ${frames}${vids}` });
    })) : h("p", { class: "meta", text: "No camera has an enabled policy." }));
}

/// Runs the saved policies now, after a confirm() that states what the preview of the saved policies says.
async function applyRetention() {
  const out = $("#retention-result");
  let preview;
  try { preview = await api.post("/api/retention/preview", {}); } catch (err) { out.textContent = err.message; return; }
  const videos = preview.cameras.reduce((sum, c) => sum + (c.videos_to_delete || 0), 0);
  if (!confirm(`Apply the saved retention policies now? ${plural(preview.frames_to_delete, "frame")} and ${plural(videos, "video")} `
    + `will be deleted, freeing ${bytesText(preview.bytes_to_free)}. This cannot be undone.`)) return;
  out.textContent = "Applying…";
  try {
    const r = await api.post("/api/retention/apply");
    const text = `Retention applied: ${plural(r.frames_deleted, "frame")} and ${plural(r.videos_deleted, "video")} deleted, ${bytesText(r.bytes_freed)} freed`;
    out.textContent = text;
    toast(text);
    renderStorage();
  } catch (err) { out.textContent = err.details && err.details.reason ? `Refused: ${err.details.reason}` : err.message; }
}
