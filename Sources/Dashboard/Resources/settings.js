// Timelapser dashboard: the settings page (application settings form, storage and retention (see storage.js),
// thumbnail maintenance actions, webhooks (see webhooks.js), statistics).
"use strict";

// ---------- settings page ----------
const SETTINGS = [
  ["generate_thumbnails", "Generate thumbnails", "bool"],
  ["small_generation_mode", "Small images (800×600)", ["none", "latest_only", "all"]],
  ["purge_smalls_on_completion", "Delete smalls when a timelapse completes", "bool"],
  ["thumbnail_quality", "Thumbnail JPEG quality", "int"],
  ["small_quality", "Small JPEG quality", "int"],
  ["variant_formats", "Also write WebP (smaller, served to browsers that take it)", "webp"],
  ["thumbnail_job_batch_size", "Jobs claimed per batch", "int"],
  ["thumbnail_worker_interval", "Worker fallback poll (s)", "int"],
  ["thumbnail_max_retries", "Retries of a failed job", "int"],
  ["thumbnail_cleanup_hours", "Keep finished jobs (hours)", "int"],
  ["max_source_pixels", "Largest source (pixels)", "int"],
  ["max_upload_bytes", "Largest upload (bytes)", "int"],
  ["timezone", "Time zone (IANA)", "text"],
  ["outage_after_failures", "Failed grabs before a camera is down", "int"],
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
    else if (kind === "webp") input = h("input", { id, name: key, type: "checkbox", checked: (settings[key] || []).includes("webp") });
    else if (Array.isArray(kind)) input = h("select", { id, name: key }, kind.map((v) => h("option", { value: v, selected: settings[key] === v, text: v })));
    else input = h("input", { id, name: key, type: kind === "int" ? "number" : "text", value: settings[key], step: kind === "int" ? 1 : undefined });
    fields.append(h("div", { class: "field" }, h("label", { for: id, text: label }), input,
      h("span", { class: "error", id: id + "-error", "aria-live": "polite" })));
  }
  const admin = can("admin"), operator = can("operator");
  if (admin) form.append(fields, h("div", { class: "actions-row" }, h("button", { class: "primary", type: "submit", text: "Save settings" })));
  else form.append(h("fieldset", { class: "read-only", disabled: true }, fields), h("p", { class: "meta", id: "settings-read-only", text: "Only an admin can change settings." }));
  form.addEventListener("submit", (e) => { e.preventDefault(); saveSettings(form); });

  const progress = h("progress", { id: "regen-progress", max: 100, value: 0, "aria-label": "Regeneration progress" });
  const progressText = h("div", { class: "meta", id: "regen-text", role: "status", text: "No regeneration running" });
  const cancel = h("button", { type: "button", id: "regen-cancel", disabled: true, text: "Cancel", onclick: cancelRegeneration });
  const result = h("div", { class: "result", id: "maintenance-result", role: "status" });
  root.replaceChildren(
    h("h1", { text: "Settings" }),
    h("section", { class: "panel", "aria-labelledby": "s-settings" }, h("h2", { id: "s-settings", text: "Application settings" }), form),
    storageSection(),
    retentionSection(settings),
    h("section", { class: "panel", "aria-labelledby": "s-maint" }, h("h2", { id: "s-maint", text: "Thumbnail maintenance" }),
      !operator ? null : h("div", { class: "actions-row" },
        h("button", { type: "button", id: "verify-all", text: "Verify All", onclick: () => runAction("verify", result) }),
        h("button", { type: "button", id: "repair-orphans", text: "Repair Orphaned", onclick: () => runAction("repair", result) }),
        h("button", { type: "button", id: "regenerate-all", class: "primary", text: "Regenerate All", onclick: () => startRegeneration(result) }),
        h("button", { type: "button", id: "cleanup-orphans", text: "Cleanup Orphaned Files", onclick: () => cleanupDryRun(result) }),
        h("button", { type: "button", id: "delete-all", class: "danger", text: "Delete All Thumbnails", onclick: () => deleteAll(result) })),
      h("div", {}, progress, progressText, operator ? cancel : null), result),
    admin ? webhooksSection() : null,
    h("section", { class: "panel", "aria-labelledby": "s-stats" }, h("h2", { id: "s-stats", text: "Statistics" }),
      h("div", { id: "stats", class: "stats" }), h("h2", { text: "Recent failures" }), h("div", { id: "failures" })));
  await Promise.all([renderStats(), refreshRegeneration(), renderWebhooks(), renderStorage()]);
  const timer = setInterval(refreshRegeneration, 2000);
  leaveView = (() => {
    const off = onLive((type, data) => {
      if (type.startsWith("thumbnail_regeneration_")) showRegeneration(data, type);
      if (type.startsWith("thumbnails_") || type === "thumbnail_regeneration_completed") renderStats();
      storageLive(type);
    });
    return () => { off(); clearInterval(timer); leaveWebhooks(); leaveStorage(); };
  })();
}

async function saveSettings(form) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  const patch = {};
  for (const [key, , kind] of SETTINGS) {
    const input = form.elements[key];
    patch[key] = kind === "bool" ? input.checked : kind === "webp" ? (input.checked ? ["jpeg", "webp"] : ["jpeg"]) : kind === "int" ? (input.value === "" ? null : Number(input.value)) : input.value;
  }
  try { await api.patch("/api/settings", patch); toast("Settings saved"); }
  catch (err) {
    const field = err.details && err.details.field;
    const slot = field && $("#setting-" + field + "-error");
    if (slot) { slot.textContent = err.message; $("#setting-" + field).focus(); } else toast(err.message);
  }
}

async function runAction(action, result, force = false) {
  result.textContent = "Working…";
  try {
    const r = await api.post(`/api/thumbnails/${action}${force ? "?force=true" : ""}`);
    if (action === "verify") {
      result.textContent = `${r.valid_thumbnails}/${r.total_images} thumbnails valid, ${r.missing_thumbnails} missing\n`
        + `${r.valid_smalls}/${r.total_images} smalls valid, ${r.missing_smalls} missing`
        + (r.timelapses_checked !== undefined ? `\n${r.timelapses_checked} timelapses checked` : "");
    } else {
      result.textContent = `${r.orphaned_files_found} orphaned files found, ${r.files_matched} re-linked, ${r.files_deleted} deleted, `
        + `${r.database_records_updated} records updated, ${r.timelapses_affected} timelapses affected`;
    }
    renderStats();
  } catch (err) {
    if (action !== "repair" || !offerAnyway(err, result, "repair-anyway", "Repair anyway", () => runAction(action, result, true))) result.textContent = err.message;
  }
}

/// A 409 with `details.reason` (the run would delete more than the settings allow): the reason and a button that
/// asks, then repeats the run with force=true. False for any other error.
function offerAnyway(err, result, id, label, again) {
  if (err.status !== 409 || !err.details || err.details.code !== "too_many_deletions") return false;
  result.replaceChildren(`Refused: ${err.details.reason}`, " ",
    h("button", { type: "button", id, class: "danger", text: label,
      onclick: () => { if (confirm(`${err.details.reason}\n\n${label}?`)) again(); } }));
  return true;
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
        onclick: () => cleanupRun(result, false) }));
    }
  } catch (err) { result.textContent = err.message; }
}

async function cleanupRun(result, force) {
  try {
    const done = await api.del(`/api/thumbnails/cleanup?dry_run=false${force ? "&force=true" : ""}`);
    result.textContent = `${done.files_deleted} files deleted, ${((done.bytes_freed || 0) / 1048576).toFixed(2)} MB freed`;
    renderStats();
  } catch (err) {
    if (!offerAnyway(err, result, "cleanup-anyway", "Delete anyway", () => cleanupRun(result, true))) result.textContent = err.message;
  }
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
    const e = await api.post("/api/thumbnails/regenerate-all?dry_run=true", { force: true });
    if (!confirm(`Regenerate thumbnails and smalls of ${plural(e.jobs_to_queue, "image")}? About ${aboutTime(e.estimated_seconds)} `
      + `(~${bytesText(e.estimated_bytes)} written)${e.basis === "measured" ? "" : ", a rough guess until some jobs are measured"}.`)) {
      result.textContent = "Regeneration not started.";
      return;
    }
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
  if (cancel) cancel.disabled = !s.active;
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
