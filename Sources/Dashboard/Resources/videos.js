// Timelapser dashboard: the Videos panel of the timelapse page (render form with presets and a live dry-run estimate,
// the timelapse's videos with live progress, players, downloads, cancel and delete, and the daily render automation).
"use strict";

// Each preset fills the name and frame rate and chooses the frames; "daily" sets the automation instead of rendering.
const VIDEO_PRESETS = [
  { key: "full", label: "Full", hint: "Every frame, 24 fps.", name: "full", fps: 24, frames: () => ({}) },
  { key: "noon", label: "One frame a day at noon", hint: "The frame nearest 12:00 of each day, 24 fps.", name: "noon", fps: 24,
    frames: () => ({ per_day: { count: 1, near: "12:00" } }) },
  { key: "last24", label: "Last 24 hours", hint: "Frames captured in the last 24 hours.", name: "last-24h",
    frames: () => ({ from: new Date(Date.now() - 24 * 3600 * 1000).toISOString() }) },
  { key: "daily", label: "Daily at 06:00", hint: "Every day at 06:00 the server renders the previous day's frames with these settings.",
    name: "daily", daily: "06:00" },
];
const VIDEO_CODECS = [["h264", "H.264"], ["hevc", "HEVC (H.265)"], ["av1", "AV1"]];
const VIDEO_ENCODER_PRESETS = {
  h264: ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"],
  av1: Array.from({ length: 14 }, (_, i) => String(i)),
};
VIDEO_ENCODER_PRESETS.hevc = VIDEO_ENCODER_PRESETS.h264;
const VIDEO_POSITIONS = ["top_left", "top_center", "top_right", "middle_left", "center", "middle_right", "bottom_left", "bottom_center", "bottom_right"];
// The error slot of each field a 422 can name; anything else goes to the form's own line.
const VIDEO_ERROR_SLOTS = { name: "name", fps: "length", target_seconds: "length", min_fps: "length", max_fps: "length",
  resolution: "resolution", codec: "codec", preset: "preset", deflicker: "deflicker", overlay: "overlay" };
const VIDEO_RANK = { queued: 0, rendering: 1, completed: 2, failed: 2, cancelled: 2 };

const videoBytes = (n) => n === null || n === undefined ? "–" : n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB`
  : n < 1024 ** 3 ? `${(n / 1048576).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`;
function videoSeconds(s) {
  if (s === null || s === undefined) return "–";
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/// The panel for timelapse `id`: `{element, leave}`. It loads itself and follows the live events until `leave()`.
function videosPanel(id) {
  const field = (key, label, input, extra = {}) => h("div", { class: "field", id: `video-${key}-field`, ...extra },
    h("label", { for: `video-${key}`, text: label }), input, h("span", { class: "error", id: `video-${key}-error`, "aria-live": "polite" }));
  const presets = h("fieldset", { class: "video-presets" }, h("legend", { class: "sr-only", text: "Preset" }),
    VIDEO_PRESETS.map((p, i) => h("label", { class: "preset", "data-preset": p.key },
      h("input", { type: "radio", name: "preset", value: p.key, id: `video-preset-${p.key}`, checked: i === 0 }), p.label)),
    h("span", { class: "meta", id: "video-preset-hint" }));
  const codec = h("select", { id: "video-codec", name: "codec" }, VIDEO_CODECS.map(([v, t]) => h("option", { value: v, text: t })));
  const encoderPreset = h("select", { id: "video-preset", name: "encoder_preset" });
  const overlay = h("select", { id: "video-overlay", name: "overlay" },
    [["none", "None"], ["timestamp", "Date and time"], ["day_number", "Day number"], ["text", "Text"]].map(([v, t]) => h("option", { value: v, text: t })));
  const form = h("form", { id: "video-form", "aria-label": "Render a video", novalidate: true },
    presets,
    h("div", { class: "video-fields" },
      field("name", "Name", h("input", { id: "video-name", name: "name", value: "full", maxlength: 64, autocomplete: "off" })),
      field("length", "Length", h("div", { class: "pair" },
        h("input", { id: "video-length", name: "length", type: "number", min: 1, step: "any", value: 24 }),
        h("select", { id: "video-length-mode", name: "length_mode", "aria-label": "Length unit" },
          h("option", { value: "fps", text: "fps" }), h("option", { value: "target", text: "sec", title: "Target length in seconds" })))),
      field("resolution", "Resolution", h("select", { id: "video-resolution", name: "resolution" },
        ["source", "2160p", "1440p", "1080p", "720p"].map((v) => h("option", { value: v, selected: v === "1080p", text: v === "source" ? "Source size" : v })))),
      field("codec", "Codec", codec),
      field("preset", "Encoder speed", encoderPreset),
      field("overlay", "Overlay", overlay),
      field("overlay-text", "Overlay text", h("input", { id: "video-overlay-text", name: "overlay_text", maxlength: 200 }), { hidden: true }),
      field("overlay-position", "Position", h("select", { id: "video-overlay-position", name: "overlay_position", disabled: true },
        VIDEO_POSITIONS.map((v) => h("option", { value: v, selected: v === "bottom_right", text: v.replace("_", " ") })))),
      field("deflicker", "Deflicker", h("input", { id: "video-deflicker", name: "deflicker", type: "checkbox" }))),
    h("div", { class: "video-submit" },
      h("div", { id: "video-estimate", class: "estimate", role: "status", "aria-live": "polite", text: "Estimating…" }),
      h("button", { class: "primary", type: "submit", id: "video-render", text: "Render video" })),
    h("div", { class: "error", id: "video-form-error", role: "alert" }));
  const automation = h("div", { class: "meta automation", id: "video-automation" });
  const list = h("div", { class: "videos", id: "videos", "aria-live": "polite" });
  const element = h("section", { class: "panel", id: "videos-panel", "aria-labelledby": "videos-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "videos-title", text: "Videos" }), automation),
    can("operator") ? form : null, h("h3", { text: "Rendered videos" }), list);

  // `cancelling`: videos whose cancel was accepted but that still render (the server stops them asynchronously).
  const state = { estimateSeq: 0, listSeq: 0, estimateTimer: null, listTimer: null, cancelling: new Set() };
  const preset = () => VIDEO_PRESETS.find((p) => p.key === form.preset.value) || VIDEO_PRESETS[0];

  function fillEncoderPresets() {
    encoderPreset.replaceChildren(h("option", { value: "", text: "Default" }),
      ...VIDEO_ENCODER_PRESETS[codec.value].map((v) => h("option", { value: v, text: codec.value === "av1" ? `${v}${v === "0" ? " (slowest)" : v === "13" ? " (fastest)" : ""}` : v })));
  }

  function choosePreset() {
    const p = preset();
    form.name.value = p.name;
    if (p.fps) { form.length_mode.value = "fps"; form.length.value = p.fps; }
    $("#video-preset-hint", form).textContent = p.hint;
    $("#video-render", form).textContent = p.daily ? `Set daily render at ${p.daily}` : "Render video";
  }

  // The settings the form describes: the preset's frames plus the encoding fields.
  function settings({ withFrames = true } = {}) {
    const p = preset();
    const body = withFrames && p.frames ? p.frames() : {};
    if (form.name.value.trim()) body.name = form.name.value.trim();
    const length = form.length.value === "" ? null : Number(form.length.value);
    if (length !== null) body[form.length_mode.value === "target" ? "target_seconds" : "fps"] = length;
    body.resolution = form.resolution.value;
    body.codec = codec.value;
    if (encoderPreset.value) body.preset = encoderPreset.value;
    body.deflicker = form.deflicker.checked;
    if (overlay.value !== "none") {
      body.overlay = { kind: overlay.value, position: form.overlay_position.value };
      if (overlay.value === "text") body.overlay.text = form.overlay_text.value;
    }
    return body;
  }

  function clearErrors() { for (const el of form.querySelectorAll(".error")) el.textContent = ""; }
  function showError(err, prefix = "") {
    let key = (err.details && err.details.field) || "";
    if (prefix && key.startsWith(prefix)) key = key.slice(prefix.length);
    const slot = VIDEO_ERROR_SLOTS[key] && $(`#video-${VIDEO_ERROR_SLOTS[key]}-error`, form);
    (slot || $("#video-form-error", form)).textContent = err.message;
  }

  async function estimate() {
    const seq = ++state.estimateSeq;
    const out = $("#video-estimate", form);
    const p = preset();
    if (p.daily) {
      clearErrors();
      out.textContent = p.hint;
      return;
    }
    try {
      const r = await api.post(`/api/timelapses/${id}/videos?dry_run=true`, settings());
      if (seq !== state.estimateSeq) return;
      clearErrors();
      if (!r.frame_count) { out.replaceChildren(h("strong", { text: "No frames match these settings." })); return; }
      out.replaceChildren(h("strong", { text: `${r.frame_count} frame${r.frame_count === 1 ? "" : "s"}` }),
        ` → ${videoSeconds(r.duration_seconds)} at ${Number(r.fps.toFixed(2))} fps, ${r.width}×${r.height}`,
        h("br"), `About ${videoSeconds(r.estimated_render_seconds)} to render, about ${videoBytes(r.estimated_size_bytes)}`,
        h("span", { class: "meta", text: ` · ${when(r.first_frame_at)} – ${when(r.last_frame_at)}` }));
    } catch (err) {
      if (seq !== state.estimateSeq) return;
      clearErrors();
      showError(err);
      out.textContent = err.status === 422 ? "No estimate: fix the marked setting." : `No estimate: ${err.message}`;
    }
  }
  function estimateSoon() { clearTimeout(state.estimateTimer); state.estimateTimer = setTimeout(estimate, 250); }

  function showAutomation(a) {
    const parts = [];
    if (a && a.daily) parts.push(`daily at ${a.daily.at}`);
    if (a && a.on_completion) parts.push("when the timelapse completes");
    if (a && a.milestones) parts.push(`every ${a.milestones.every_frames} frames`);
    automation.replaceChildren(parts.length ? `Automatic renders: ${parts.join(", ")}.` : "No automatic renders.");
    if (a && a.daily && can("operator")) automation.append(" ", h("button", { type: "button", id: "video-daily-off", text: "Stop daily render", onclick: async () => {
      try {
        const next = { ...(await api.get(`/api/timelapses/${id}/video-automation`)) };
        delete next.daily;
        showAutomation(await api.put(`/api/timelapses/${id}/video-automation`, next));
        toast("Daily render stopped");
      } catch (err) { toast(err.message); }
    } }));
  }

  async function setDaily(at) {
    const current = (await api.get(`/api/timelapses/${id}/video-automation`)) || {};
    const saved = await api.put(`/api/timelapses/${id}/video-automation`, { ...current, daily: { at, settings: settings({ withFrames: false }) } });
    showAutomation(saved);
    toast(`Daily render set for ${at}`);
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = $("#video-render", form);
    clearErrors();
    button.disabled = true;
    const p = preset();
    try {
      if (p.daily) await setDaily(p.daily);
      else {
        const r = await api.post(`/api/timelapses/${id}/videos`, settings());
        toast(`Rendering ${r.name} v${r.version}`);
        await loadVideos();
      }
    } catch (err) { showError(err, p.daily ? "daily.settings." : ""); }
    finally { button.disabled = false; }
  });
  form.addEventListener("change", (e) => {
    if (e.target.name === "preset") choosePreset();
    if (e.target === codec) fillEncoderPresets();
    if (e.target === form.length_mode) form.length.value = form.length_mode.value === "target" ? 10 : 24;
    if (e.target === overlay) {
      $("#video-overlay-text-field", form).hidden = overlay.value !== "text";
      form.overlay_position.disabled = overlay.value === "none";
    }
    estimateSoon();
  });
  form.addEventListener("input", (e) => { if (e.target.tagName === "INPUT" && e.target.type !== "radio" && e.target.type !== "checkbox") estimateSoon(); });

  // ---------- the list ----------
  function card(v) {
    const active = v.status === "queued" || v.status === "rendering";
    const facts = [];
    if (v.frame_count) facts.push(`${v.frame_count} frames`);
    if (v.duration_seconds) facts.push(videoSeconds(v.duration_seconds));
    if (v.fps) facts.push(`${Number(v.fps.toFixed(2))} fps`);
    if (v.width && v.height) facts.push(`${v.width}×${v.height}`);
    if (v.codec) facts.push(v.codec.toUpperCase());
    if (v.size_bytes) facts.push(videoBytes(v.size_bytes));
    const actions = h("div", { class: "actions" });
    if (active && can("operator")) {
      const stopping = state.cancelling.has(v.id);
      actions.append(h("button", { type: "button", class: "cancel", text: stopping ? "Cancelling…" : "Cancel", disabled: stopping, onclick: () => cancel(v) }));
    }
    if (v.status === "completed" && v.file_url) {
      actions.append(h("a", { class: "button download", href: v.file_url + "?download=1", download: `${v.name}_v${String(v.version).padStart(2, "0")}.mp4`, text: "Download" }));
    }
    if (!active && can("operator")) actions.append(h("button", { type: "button", class: "delete", text: "Delete", onclick: () => remove(v) }));
    const media = v.status === "completed" && v.file_url
      ? h("video", { src: v.file_url, poster: v.poster_url, controls: true, preload: "metadata", playsinline: true,
          width: v.width, height: v.height, style: v.width && v.height ? `aspect-ratio: ${v.width} / ${v.height}` : null, "aria-label": `Video ${v.name} version ${v.version}` })
      : h("div", { class: `video-placeholder ${v.status}`, text: { queued: "Queued", rendering: "Rendering…", failed: "Failed", cancelled: "Cancelled" }[v.status] || v.status });
    const body = h("div", { class: "body" },
      h("h3", {}, `${v.name} `, h("span", { class: "version", text: `v${v.version}` }), " ", h("span", { class: `badge ${v.status}`, text: v.status })),
      facts.length ? h("div", { class: "meta", text: facts.join(" · ") }) : null,
      h("div", { class: "meta", text: v.status === "completed" && v.render_seconds !== null
        ? `Rendered ${when(v.completed_at)} in ${videoSeconds(v.render_seconds)}${v.origin !== "manual" ? ` (${v.origin.replace("_", " ")})` : ""}`
        : `${{ queued: "Queued", rendering: "Started", failed: "Failed", cancelled: "Cancelled" }[v.status] || "Asked"} ${when(
        v.status === "queued" ? v.created_at : v.status === "rendering" ? v.started_at || v.created_at : v.completed_at || v.created_at)}`
        + (v.origin !== "manual" ? ` (${v.origin.replace("_", " ")})` : "") }));
    if (active) {
      body.append(h("progress", { class: "video-progress", max: 100, value: v.progress ? v.progress.percent : 0, "aria-label": `Progress of ${v.name} v${v.version}` }),
        h("div", { class: "meta progress-text", text: progressText(v.status, v.progress) }));
    }
    if (v.status === "failed") body.append(h("div", { class: "bad video-error", text: v.error || "The render failed." }));
    body.append(actions);
    return h("article", { class: "card video", "data-video": v.id, "data-status": v.status }, media, body);
  }

  function progressText(status, p) {
    if (!p || !p.frames_total) return status === "queued" ? "Waiting for a render slot…" : "Starting…";
    const parts = [`${p.frames_done}/${p.frames_total} frames`, `${Math.round(p.percent)}%`];
    if (p.fps) parts.push(`${Number(p.fps.toFixed(1))} frames/s`);
    if (p.eta_seconds !== null && p.eta_seconds !== undefined && p.frames_done < p.frames_total) parts.push(`${videoSeconds(p.eta_seconds)} left`);
    if (p.frames_done >= p.frames_total && status === "rendering") parts.push("finishing the encode…");
    return parts.join(" · ");
  }

  const article = (videoId) => list.querySelector(`[data-video="${videoId}"]`);
  // Puts a video's card in place unless the page already shows a later state of it (events and fetches can cross).
  function upsert(v, before) {
    const old = article(v.id);
    if (old) {
      const rank = VIDEO_RANK[old.dataset.status], next = VIDEO_RANK[v.status];
      if (rank > next || (old.dataset.status === v.status && rank === 2)) return old;
      if (old.dataset.status === v.status) {  // still queued or rendering: update in place (no button moves under a click)
        const bar = $("progress", old), text = $(".progress-text", old);
        if (bar && v.progress) bar.value = Math.max(Number(bar.value), Number(v.progress.percent));
        if (text) text.textContent = progressText(v.status, v.progress);
        return old;
      }
      const fresh = card(v);
      const oldBar = $("progress", old), bar = $("progress", fresh);
      if (oldBar && bar) bar.value = Math.max(Number(oldBar.value), Number(bar.value));
      old.replaceWith(fresh);
      return fresh;
    }
    const fresh = card(v);
    list.insertBefore(fresh, before === undefined ? list.querySelector("[data-video]") : before);
    return fresh;
  }

  function showEmpty() {
    const empty = $("#videos-empty", list);
    if (list.querySelector("[data-video]")) { if (empty) empty.remove(); }
    else if (!empty) list.append(h("p", { class: "meta", id: "videos-empty", text: "No videos yet. Pick a preset above and render one." }));
  }

  async function loadVideos() {
    const seq = ++state.listSeq;
    let videos;
    try { videos = await api.get(`/api/timelapses/${id}/videos`); } catch (err) { toast(err.message); return; }
    if (seq !== state.listSeq) return;
    const keep = new Set(videos.map((v) => String(v.id)));
    for (const el of list.querySelectorAll("[data-video]")) if (!keep.has(el.dataset.video)) el.remove();
    // Newest first, as the API lists them; an unchanged card keeps its element (a playing video keeps playing).
    let cursor = list.querySelector("[data-video]");
    for (const v of videos) {
      const atCursor = cursor !== null && cursor.dataset.video === String(v.id);
      const el = upsert(v, cursor);
      if (atCursor) cursor = el.nextElementSibling;
      else if (el.nextElementSibling !== cursor) list.insertBefore(el, cursor);
    }
    showEmpty();
  }
  function loadVideosSoon() { clearTimeout(state.listTimer); state.listTimer = setTimeout(loadVideos, 100); }

  async function refreshVideo(videoId) {
    try { upsert(await api.get(`/api/videos/${videoId}`)); showEmpty(); } catch (err) { if (err.status === 404) loadVideosSoon(); }
  }

  function showProgress(e) {
    const el = article(e.video_id);
    if (!el) { loadVideosSoon(); return; }
    if (VIDEO_RANK[el.dataset.status] === 2) return;
    if (el.dataset.status === "queued") {
      el.dataset.status = "rendering";
      const badge = $(".badge", el), placeholder = $(".video-placeholder", el);
      if (badge) { badge.className = "badge rendering"; badge.textContent = "rendering"; }
      if (placeholder) { placeholder.className = "video-placeholder rendering"; placeholder.textContent = "Rendering…"; }
    }
    const progress = { frames_done: e.frames_done, frames_total: e.frames_total, percent: e.progress_percent, fps: e.fps, eta_seconds: e.eta_seconds };
    const bar = $("progress", el), text = $(".progress-text", el);
    if (bar) bar.value = Math.max(Number(bar.value), Number(e.progress_percent));
    if (text) text.textContent = progressText("rendering", progress);
  }

  async function cancel(v) {
    state.cancelling.add(v.id);
    const el = article(v.id), button = el && $("button.cancel", el);
    if (button) { button.disabled = true; button.textContent = "Cancelling…"; }
    try { upsert(await api.post(`/api/videos/${v.id}/cancel`)); }
    catch (err) {
      state.cancelling.delete(v.id);
      if (err.status !== 409) toast(err.message);
      refreshVideo(v.id);
    }
  }

  async function remove(v) {
    if (!confirm(`Delete ${v.name} v${v.version} and its file?`)) return;
    try {
      await api.del(`/api/videos/${v.id}`);
      const el = article(v.id);
      if (el) el.remove();
      showEmpty();
      toast(`${v.name} v${v.version} deleted`);
    } catch (err) { toast(err.message); }
  }

  const off = onLive((type, data) => {
    if (!type.startsWith("video_") || data.timelapse_id !== id) return;
    if (type === "video_render_progress") showProgress(data);
    else if (type === "video_queued") loadVideosSoon();
    else refreshVideo(data.video_id);
  });
  // A slow safety net while something renders (events missed during a reconnect).
  const timer = setInterval(() => { if (list.querySelector('[data-status="queued"], [data-status="rendering"]')) loadVideos(); }, 5000);

  fillEncoderPresets();
  choosePreset();
  if (can("operator")) estimate();
  loadVideos();
  api.get(`/api/timelapses/${id}/video-automation`).then(showAutomation, () => showAutomation(null));
  return { element, leave() { off(); clearInterval(timer); clearTimeout(state.estimateTimer); clearTimeout(state.listTimer); } };
}
