// Timelapser dashboard: cameras, timelapse frames, settings and maintenance, live over Server-Sent Events.
// Plain JavaScript, no build step. Every image uses the API's versioned URLs so browser caching stays correct.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const main = () => $("#main");
const PAGE_SIZE = 120;

// ---------- API ----------
const api = {
  token() { return localStorage.getItem("timelapser.token") || ""; },
  async call(method, path, body, retried = false) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && api.token()) headers["Authorization"] = "Bearer " + api.token();
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let json = null;
    try { json = await response.json(); } catch (_) { /* no body */ }
    if (response.status === 401 && !retried && await askToken()) return api.call(method, path, body, true);
    if (!response.ok) {
      const error = new Error((json && json.error) || response.statusText);
      error.status = response.status;
      error.details = (json && json.details) || {};
      throw error;
    }
    return json ? json.data : null;
  },
  get: (p) => api.call("GET", p),
  post: (p, b) => api.call("POST", p, b === undefined ? {} : b),
  patch: (p, b) => api.call("PATCH", p, b),
  del: (p) => api.call("DELETE", p),
};

function askToken() {
  return new Promise((resolve) => {
    const dialog = $("#token-dialog");
    const input = $("#token-input");
    input.value = api.token();
    $("#token-cancel").onclick = () => { dialog.close(); resolve(false); };
    $("#token-form").onsubmit = (e) => {
      e.preventDefault();
      localStorage.setItem("timelapser.token", input.value.trim());
      dialog.close();
      resolve(true);
    };
    dialog.showModal();
    input.focus();
  });
}

function toast(message) {
  const el = $("#toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 4000);
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c.nodeType ? c : String(c));
  return el;
}

const when = (iso) => iso ? new Date(iso).toLocaleString() : "never";
const mb = (n) => (n === undefined || n === null) ? "–" : Number(n).toFixed(1) + " MB";

// ---------- live events ----------
const live = { handlers: new Set(), source: null };
function connectEvents() {
  const source = new EventSource("/api/events");
  live.source = source;
  source.onopen = () => { $("#live").textContent = "● live"; $("#live").className = "live ok"; };
  source.onerror = () => { $("#live").textContent = "○ reconnecting"; $("#live").className = "live bad"; };
  const types = ["image_captured", "thumbnail_job_completed", "thumbnail_job_failed", "thumbnail_regeneration_started",
    "thumbnail_regeneration_progress", "thumbnail_regeneration_completed", "thumbnail_regeneration_cancelled",
    "thumbnails_verified", "thumbnails_repaired", "thumbnails_cleaned", "thumbnails_deleted", "timelapse_completed"];
  for (const type of types) {
    source.addEventListener(type, (e) => {
      let data = {};
      try { data = JSON.parse(e.data); } catch (_) { /* ignore */ }
      for (const handler of live.handlers) handler(type, data);
    });
  }
}
function onLive(handler) { live.handlers.add(handler); return () => live.handlers.delete(handler); }

// ---------- router ----------
let leaveView = () => {};
function route() {
  leaveView();
  leaveView = () => {};
  const hash = location.hash || "#/";
  for (const a of document.querySelectorAll("[data-nav]")) {
    const current = (a.dataset.nav === "settings") === hash.startsWith("#/settings");
    if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  let m;
  if ((m = hash.match(/^#\/timelapses\/(\d+)/))) return timelapseView(Number(m[1]));
  if (hash.startsWith("#/settings")) return settingsView();
  return camerasView();
}
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => { connectEvents(); route(); });

// ---------- cameras page ----------
async function camerasView() {
  const root = main();
  root.replaceChildren(
    h("h1", { text: "Cameras" }),
    cameraForm(),
    h("div", { class: "grid", id: "cameras", "aria-live": "polite" }));
  await renderCameras();
  let pending = null;
  leaveView = onLive((type, data) => {
    if (!["image_captured", "thumbnail_job_completed", "timelapse_completed"].includes(type)) return;
    const card = document.querySelector(`[data-camera="${data.camera_id}"]`);
    if (!card) return;
    clearTimeout(pending);
    pending = setTimeout(() => refreshCard(data.camera_id), 150);
  });
}

function cameraForm() {
  const form = h("form", { class: "inline", "aria-label": "New camera" },
    h("div", { class: "field" }, h("label", { for: "cam-name", text: "Name" }), h("input", { id: "cam-name", name: "name", required: true })),
    h("div", { class: "field" }, h("label", { for: "cam-url", text: "Stream or snapshot URL (optional)" }),
      h("input", { id: "cam-url", name: "rtsp_url", placeholder: "rtsp://… or http://…" })),
    h("div", { class: "field" }, h("label", { for: "cam-interval", text: "Interval (s)" }),
      h("input", { id: "cam-interval", name: "capture_interval_seconds", type: "number", min: 1, value: 300 })),
    h("button", { class: "primary", type: "submit", text: "Add camera" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name: form.name.value, capture_interval_seconds: Number(form.capture_interval_seconds.value) };
    if (form.rtsp_url.value.trim()) body.rtsp_url = form.rtsp_url.value.trim();
    try { await api.post("/api/cameras", body); form.reset(); await renderCameras(); toast("Camera added"); }
    catch (err) { toast(err.message); }
  });
  return form;
}

async function renderCameras() {
  const grid = $("#cameras");
  if (!grid) return;
  const cameras = await api.get("/api/cameras");
  grid.replaceChildren(...(cameras.length ? cameras.map((c) => h("article", { class: "card", "data-camera": c.id }, "…"))
    : [h("p", { text: "No cameras yet. Add one above, or POST frames to /api/cameras/{id}/captures." })]));
  await Promise.all(cameras.map((c) => refreshCard(c.id, c)));
}

async function latestImage(camera) {
  try {
    const meta = await api.get(`/api/cameras/${camera.id}/latest-image`);
    if (meta) return meta;
  } catch (_) { /* no frame yet */ }
  return null;
}

function thumbnailURL(meta, camera) {
  if (meta) {
    const urls = meta.urls || {};
    if (urls.thumbnail) return typeof urls.thumbnail === "string" ? urls.thumbnail : urls.thumbnail.url;
    if (meta.thumbnail_url) return meta.thumbnail_url;
    const id = meta.image_id || meta.id;
    if (id) return `/api/images/${id}/thumbnail?v=${meta.thumbnail_generation ?? 0}`;
  }
  return `/api/cameras/${camera.id}/latest-image/thumbnail`;
}

async function refreshCard(cameraId, known) {
  const card = document.querySelector(`[data-camera="${cameraId}"]`);
  if (!card) return;
  const camera = known || await api.get(`/api/cameras/${cameraId}`);
  const [meta, timelapse] = await Promise.all([
    latestImage(camera),
    camera.active_timelapse_id ? api.get(`/api/timelapses/${camera.active_timelapse_id}`) : null,
  ]);
  const captured = meta && (meta.captured_at || (meta.image && meta.image.captured_at));
  const health = camera.consecutive_failures > 0
    ? h("div", { class: "meta bad", text: `${camera.consecutive_failures} failed captures: ${camera.last_error || ""}` }) : null;
  const actions = h("div", { class: "actions" });
  if (timelapse) {
    actions.append(
      h("a", { class: "button", href: `#/timelapses/${timelapse.id}`, text: "Frames" }),
      h("button", { type: "button", text: "Complete timelapse", onclick: async () => {
        try { await api.post(`/api/timelapses/${timelapse.id}/complete`); await refreshCard(cameraId); } catch (err) { toast(err.message); }
      } }));
  } else {
    actions.append(h("button", { type: "button", class: "primary", text: "Start timelapse", onclick: async () => {
      try { await api.post(`/api/cameras/${cameraId}/timelapses`, {}); await refreshCard(cameraId); } catch (err) { toast(err.message); }
    } }));
    actions.append(h("a", { class: "button", href: `#/cameras/${cameraId}/timelapses`, text: "History",
      onclick: async (e) => { e.preventDefault(); await showHistory(cameraId, card); } }));
  }
  card.replaceChildren(
    h("img", { class: "latest", src: thumbnailURL(meta, camera), alt: `Latest frame of ${camera.name}`, width: 200, height: 150 }),
    h("div", { class: "body" },
      h("h2", { text: camera.name }),
      h("div", { class: "meta", "data-field": "timelapse",
        text: timelapse ? `Recording: ${timelapse.name}` : "No running timelapse" }),
      h("div", { class: "meta", "data-field": "count", text: `${timelapse ? timelapse.image_count : 0} frames` }),
      h("div", { class: "meta", "data-field": "last", text: `Last capture: ${when(captured || camera.last_capture_at)}` }),
      health, actions));
}

async function showHistory(cameraId, card) {
  const list = await api.get(`/api/cameras/${cameraId}/timelapses`);
  const box = h("div", { class: "meta" }, list.length ? list.map((t) =>
    h("div", {}, h("a", { href: `#/timelapses/${t.id}`, text: `${t.name} (${t.status}, ${t.image_count} frames)` }))) : "No timelapses yet");
  $(".body", card).append(box);
}

// ---------- timelapse view ----------
async function timelapseView(id, page = 0) {
  const root = main();
  let timelapse;
  try { timelapse = await api.get(`/api/timelapses/${id}`); } catch (err) { root.replaceChildren(h("p", { text: err.message })); return; }
  const pages = Math.max(1, Math.ceil(timelapse.image_count / PAGE_SIZE));
  page = Math.min(page, pages - 1);
  const result = h("div", { class: "result", id: "timelapse-result", role: "status" });
  const pager = () => h("nav", { class: "pager", "aria-label": "Pages" },
    h("button", { type: "button", text: "‹ Previous", disabled: page === 0, onclick: () => timelapseView(id, page - 1) }),
    h("span", { text: `Page ${page + 1} of ${pages} · ${timelapse.image_count} frames` }),
    h("button", { type: "button", text: "Next ›", disabled: page >= pages - 1, onclick: () => timelapseView(id, page + 1) }));
  root.replaceChildren(
    h("h1", { text: timelapse.name }),
    h("div", { class: "panel" },
      h("div", { class: "meta", text: `${timelapse.status} · started ${when(timelapse.started_at)} · ${timelapse.thumbnail_count} thumbnails, ${timelapse.small_count} smalls` }),
      h("div", { class: "actions-row" },
        h("button", { type: "button", id: "generate-thumbnails", text: "Generate Thumbnails", onclick: () => generateThumbnails(id, result) }),
        h("button", { type: "button", id: "verify-thumbnails", text: "Verify Thumbnails", onclick: () => verifyThumbnails(id, result) })),
      result),
    pager(),
    h("div", { class: "frames", id: "frames" }),
    pager());
  const images = await api.get(`/api/timelapses/${id}/images?limit=${PAGE_SIZE}&offset=${page * PAGE_SIZE}`);
  $("#frames").replaceChildren(...images.map((image) => h("button", { type: "button", class: "frame", "data-image": image.id,
    "aria-label": `Frame ${new Date(image.captured_at).toLocaleString()}`, onclick: () => openFrame(image) },
    h("img", { src: image.urls.thumbnail, loading: "lazy", alt: "", width: 200, height: 150 }))));
  leaveView = onLive((type, data) => {
    if (type !== "thumbnail_job_completed" || data.timelapse_id !== id) return;
    const img = document.querySelector(`[data-image="${data.image_id}"] img`);
    if (img && data.thumbnail_url) img.src = data.thumbnail_url;
  });
}

function openFrame(image) {
  const dialog = $("#frame-dialog");
  $("#frame-title").textContent = new Date(image.captured_at).toLocaleString() + ` · day ${image.day_number}`;
  $("#frame-img").src = image.urls.small;
  $("#frame-img").alt = `Frame of ${image.captured_at}`;
  $("#frame-full").href = image.urls.full;
  $("#frame-close").onclick = () => dialog.close();
  dialog.showModal();
  $("#frame-close").focus();
}

async function generateThumbnails(id, result) {
  try {
    const r = await api.post(`/api/timelapses/${id}/thumbnails/generate`, { force_regenerate: true, include_smalls: true });
    result.textContent = `${r.jobs_queued} jobs queued` + (r.estimated_completion ? `, done around ${when(r.estimated_completion)}` : "");
  } catch (err) { result.textContent = err.message; }
}

async function verifyThumbnails(id, result) {
  try {
    const r = await api.post(`/api/timelapses/${id}/thumbnails/verify`);
    const lines = [`${r.valid_thumbnails}/${r.total_images} thumbnails valid, ${r.missing_thumbnails} missing`,
      `${r.valid_smalls}/${r.total_images} smalls valid, ${r.missing_smalls} missing`];
    result.replaceChildren(lines.join("\n"));
    if (r.missing_thumbnails > 0) {
      result.append("\n", h("strong", { text: "Missing thumbnails detected. Run system-wide repair from Settings?" }), " ",
        h("a", { href: "#/settings", text: "Open Settings" }));
    }
  } catch (err) { result.textContent = err.message; }
}

// ---------- settings page ----------
const SETTINGS = [
  ["generate_thumbnails", "Generate thumbnails", "bool"],
  ["small_generation_mode", "Small images (800×600)", ["none", "latest_only", "all"]],
  ["purge_smalls_on_completion", "Delete smalls when a timelapse completes", "bool"],
  ["thumbnail_quality", "Thumbnail JPEG quality", "int"],
  ["small_quality", "Small JPEG quality", "int"],
  ["thumbnail_job_batch_size", "Jobs claimed per batch", "int"],
  ["thumbnail_worker_interval", "Worker fallback poll (s)", "int"],
  ["thumbnail_max_retries", "Retries of a failed job", "int"],
  ["thumbnail_cleanup_hours", "Keep finished jobs (hours)", "int"],
  ["max_source_pixels", "Largest source (pixels)", "int"],
  ["max_upload_bytes", "Largest upload (bytes)", "int"],
  ["timezone", "Time zone (IANA)", "text"],
];

async function settingsView() {
  const root = main();
  const settings = await api.get("/api/settings");
  const form = h("form", { id: "settings-form", "aria-label": "Settings" });
  const fields = h("div", { class: "settings-form" });
  for (const [key, label, kind] of SETTINGS) {
    const id = "setting-" + key;
    let input;
    if (kind === "bool") input = h("input", { id, name: key, type: "checkbox", checked: settings[key] === true });
    else if (Array.isArray(kind)) input = h("select", { id, name: key }, kind.map((v) => h("option", { value: v, selected: settings[key] === v, text: v })));
    else input = h("input", { id, name: key, type: kind === "int" ? "number" : "text", value: settings[key], step: kind === "int" ? 1 : undefined });
    fields.append(h("div", { class: "field" }, h("label", { for: id, text: label }), input,
      h("span", { class: "error", id: id + "-error", "aria-live": "polite" })));
  }
  form.append(fields, h("div", { class: "actions-row" }, h("button", { class: "primary", type: "submit", text: "Save settings" })));
  form.addEventListener("submit", (e) => { e.preventDefault(); saveSettings(form); });

  const progress = h("progress", { id: "regen-progress", max: 100, value: 0, "aria-label": "Regeneration progress" });
  const progressText = h("div", { class: "meta", id: "regen-text", role: "status", text: "No regeneration running" });
  const cancel = h("button", { type: "button", id: "regen-cancel", disabled: true, text: "Cancel", onclick: cancelRegeneration });
  const result = h("div", { class: "result", id: "maintenance-result", role: "status" });
  root.replaceChildren(
    h("h1", { text: "Settings" }),
    h("section", { class: "panel", "aria-labelledby": "s-settings" }, h("h2", { id: "s-settings", text: "Application settings" }), form),
    h("section", { class: "panel", "aria-labelledby": "s-maint" }, h("h2", { id: "s-maint", text: "Thumbnail maintenance" }),
      h("div", { class: "actions-row" },
        h("button", { type: "button", id: "verify-all", text: "Verify All", onclick: () => runAction("verify", result) }),
        h("button", { type: "button", id: "repair-orphans", text: "Repair Orphaned", onclick: () => runAction("repair", result) }),
        h("button", { type: "button", id: "regenerate-all", class: "primary", text: "Regenerate All", onclick: () => startRegeneration(result) }),
        h("button", { type: "button", id: "cleanup-orphans", text: "Cleanup Orphaned Files", onclick: () => cleanupDryRun(result) }),
        h("button", { type: "button", id: "delete-all", class: "danger", text: "Delete All Thumbnails", onclick: () => deleteAll(result) })),
      h("div", {}, progress, progressText, cancel), result),
    h("section", { class: "panel", "aria-labelledby": "s-stats" }, h("h2", { id: "s-stats", text: "Statistics" }),
      h("div", { id: "stats", class: "stats" }), h("h2", { text: "Recent failures" }), h("div", { id: "failures" })));
  await Promise.all([renderStats(), refreshRegeneration()]);
  const timer = setInterval(refreshRegeneration, 2000);
  leaveView = (() => {
    const off = onLive((type, data) => {
      if (type.startsWith("thumbnail_regeneration_")) showRegeneration(data, type);
      if (type.startsWith("thumbnails_") || type === "thumbnail_regeneration_completed") renderStats();
    });
    return () => { off(); clearInterval(timer); };
  })();
}

async function saveSettings(form) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  const patch = {};
  for (const [key, , kind] of SETTINGS) {
    const input = form.elements[key];
    patch[key] = kind === "bool" ? input.checked : kind === "int" ? (input.value === "" ? null : Number(input.value)) : input.value;
  }
  try { await api.patch("/api/settings", patch); toast("Settings saved"); }
  catch (err) {
    const field = err.details && err.details.field;
    const slot = field && $("#setting-" + field + "-error");
    if (slot) { slot.textContent = err.message; $("#setting-" + field).focus(); } else toast(err.message);
  }
}

async function runAction(action, result) {
  result.textContent = "Working…";
  try {
    const r = await api.post(`/api/thumbnails/${action}`);
    if (action === "verify") {
      result.textContent = `${r.valid_thumbnails}/${r.total_images} thumbnails valid, ${r.missing_thumbnails} missing\n`
        + `${r.valid_smalls}/${r.total_images} smalls valid, ${r.missing_smalls} missing`
        + (r.timelapses_checked !== undefined ? `\n${r.timelapses_checked} timelapses checked` : "");
    } else {
      result.textContent = `${r.orphaned_files_found} orphaned files found, ${r.files_matched} re-linked, ${r.files_deleted} deleted, `
        + `${r.database_records_updated} records updated, ${r.timelapses_affected} timelapses affected`;
    }
    renderStats();
  } catch (err) { result.textContent = err.message; }
}

async function cleanupDryRun(result) {
  result.textContent = "Scanning…";
  try {
    const r = await api.del("/api/thumbnails/cleanup?dry_run=true");
    const files = (r.files || []).map((f) => typeof f === "string" ? f : (f.path || JSON.stringify(f)));
    result.replaceChildren(`${r.orphaned_files_found} orphaned files (${((r.bytes_freed || 0) / 1048576).toFixed(2)} MB) would be deleted:`,
      h("ul", { id: "cleanup-list" }, files.map((f) => h("li", { text: f }))));
    if (r.orphaned_files_found > 0) {
      result.append(h("button", { type: "button", id: "cleanup-confirm", class: "danger", text: `Delete ${r.orphaned_files_found} files`,
        onclick: async () => {
          try {
            const done = await api.del("/api/thumbnails/cleanup?dry_run=false");
            result.textContent = `${done.files_deleted} files deleted, ${((done.bytes_freed || 0) / 1048576).toFixed(2)} MB freed`;
            renderStats();
          } catch (err) { result.textContent = err.message; }
        } }));
    }
  } catch (err) { result.textContent = err.message; }
}

async function deleteAll(result) {
  const typed = prompt('This deletes every thumbnail and small (frames are kept). Type DELETE to confirm.');
  if (typed !== "DELETE") { result.textContent = "Delete all cancelled."; return; }
  try {
    const r = await api.del("/api/thumbnails/delete-all?confirm=true");
    result.textContent = `${r.thumbnails_deleted ?? 0} thumbnails and ${r.smalls_deleted ?? 0} smalls deleted`;
    renderStats();
  } catch (err) { result.textContent = err.message; }
}

async function startRegeneration(result) {
  try {
    const r = await api.post("/api/thumbnails/regenerate-all", { force: true });
    result.textContent = `Regeneration started: ${r.jobs_queued} jobs queued`;
    await refreshRegeneration();
  } catch (err) { result.textContent = err.message; }
}

async function cancelRegeneration() {
  try { await api.post("/api/thumbnails/regenerate-all/cancel"); await refreshRegeneration(); } catch (err) { toast(err.message); }
}

async function refreshRegeneration() {
  try { showRegeneration(await api.get("/api/thumbnails/regenerate-all/status")); } catch (_) { /* not available */ }
}

function showRegeneration(s, type) {
  const bar = $("#regen-progress"), text = $("#regen-text"), cancel = $("#regen-cancel");
  if (!bar || !s) return;
  const total = s.total || 0;
  const finished = (s.completed || 0) + (s.failed || 0) + (s.cancelled || 0);
  const percent = s.progress_percent !== undefined ? s.progress_percent : (total ? 100 * finished / total : 0);
  if (percent !== undefined && percent !== null) bar.value = Math.max(bar.value && s.active ? bar.value : 0, Number(percent));
  if (type === "thumbnail_regeneration_completed" || (s.active === false && total > 0 && finished >= total)) bar.value = 100;
  const rate = s.rate_per_second ?? s.rate;
  const parts = [`${Math.round(bar.value)}%`, `${s.completed ?? 0}/${total} done`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (rate) parts.push(`${Number(rate).toFixed(1)} images/s`);
  if (s.estimated_completion && s.active) parts.push(`ETA ${new Date(s.estimated_completion).toLocaleTimeString()}`);
  text.textContent = s.active === false && total === 0 ? "No regeneration running" : (s.active === false ? "Finished: " : "Running: ") + parts.join(" · ");
  cancel.disabled = !s.active;
}

async function renderStats() {
  const box = $("#stats");
  if (!box) return;
  const [stats, health, perf, failed] = await Promise.all([
    api.get("/api/thumbnails/stats").catch(() => null),
    api.get("/api/health").catch(() => null),
    api.get("/api/thumbnails/performance").catch(() => null),
    api.get("/api/thumbnails/jobs?status=failed&limit=20").catch(() => []),
  ]);
  const stat = (label, value) => h("div", { class: "stat" }, h("b", { text: value }), label);
  const items = [];
  if (stats) {
    const total = stats.total_images || 0;
    const pct = (n) => total ? ` (${Math.round(100 * n / total)}%)` : "";
    items.push(stat("images", total), stat("with thumbnails", `${stats.images_with_thumbnails}${pct(stats.images_with_thumbnails)}`),
      stat("with smalls", `${stats.images_with_smalls}${pct(stats.images_with_smalls)}`));
    if (stats.total_disk_usage) items.push(stat("thumbnails on disk", mb(stats.total_disk_usage.thumbnails_mb)),
      stat("smalls on disk", mb(stats.total_disk_usage.smalls_mb)));
    if (stats.orphaned_thumbnail_files !== undefined) items.push(stat("orphaned files (last scan)", (stats.orphaned_thumbnail_files || 0) + (stats.orphaned_small_files || 0)));
  }
  if (health) items.push(stat("jobs pending", health.queue.pending), stat("jobs processing", health.queue.processing), stat("jobs failed", health.queue.failed));
  if (perf) {
    const t = perf.generation_time_ms || {};
    items.push(stat("generation p50 / p95", `${t.p50 ?? "–"} / ${t.p95 ?? "–"} ms`),
      stat("success rate (24 h)", perf.success_rate === null || perf.success_rate === undefined ? "–" : `${(100 * perf.success_rate).toFixed(1)}%`));
  }
  box.replaceChildren(...items);
  const failures = $("#failures");
  if (failures) failures.replaceChildren(failed && failed.length
    ? h("table", {}, h("tr", {}, h("th", { text: "Image" }), h("th", { text: "Error" }), h("th", { text: "When" })),
        failed.map((j) => h("tr", {}, h("td", { text: j.image_id }), h("td", { text: j.error_message || "" }), h("td", { text: when(j.completed_at) }))))
    : h("p", { class: "meta", text: "No failed jobs." }));
}
