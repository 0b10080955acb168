// Timelapser dashboard: the cameras page (one card per camera with its status, live-refreshed; start/complete
// timelapses, capture now, history) and the camera form (create and edit: URL test, capture window, time zone,
// rotation, crop, retention (the default policy or its own; fields in storage.js); the server's 422s shown at their field).
"use strict";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const CAMERA_EVENTS = ["image_captured", "thumbnail_job_completed", "timelapse_completed", "camera_offline", "camera_online"];

// ---------- cameras page ----------
async function camerasView() {
  const root = main();
  root.replaceChildren(
    h("h1", { text: "Cameras" }),
    can("operator") ? h("section", { class: "panel", "aria-labelledby": "new-camera-title" },
      h("h2", { id: "new-camera-title", text: "Add a camera" }),
      cameraForm(null, async () => { await renderCameras(); toast("Camera added"); })) : null,
    h("div", { class: "grid", id: "cameras", "aria-live": "polite" }));
  await renderCameras();
  const pending = new Map();
  leaveView = onLive((type, data) => {
    if (type === "camera_deleted") { renderCameras(); return; }
    if (!CAMERA_EVENTS.includes(type)) return;
    const card = document.querySelector(`[data-camera="${data.camera_id}"]`);
    if (!card) return;
    clearTimeout(pending.get(data.camera_id));
    pending.set(data.camera_id, setTimeout(() => refreshCard(data.camera_id), 150));
  });
}

// ---------- camera form ----------
/// The form for a new camera (`camera` null) or a saved one; `onSaved(camera)` runs after a successful save.
function cameraForm(camera, onSaved) {
  const editing = !!camera;
  const window_ = (camera && camera.capture_window) || { mode: "always" };
  const crop = (camera && camera.crop) || {};
  const errorSlot = (key) => h("span", { class: "error", id: "cam-error-" + key.replace(/[._]/g, "-"), "aria-live": "polite" });
  const field = (id, label, input, key, extra = {}) => h("div", { class: "field " + (extra.class || "") },
    h("label", { for: id, text: label }), input, errorSlot(key));
  const input = (id, name, attrs = {}) => h("input", { id, name, ...attrs });

  const mode = h("select", { id: "cam-window-mode", name: "window_mode" },
    [["always", "Always"], ["time", "Between two times"], ["daylight", "Daylight (sunrise to sunset)"]]
      .map(([v, t]) => h("option", { value: v, text: t, selected: window_.mode === v })));
  const days = window_.days || WEEKDAYS;
  const timeFields = h("div", { class: "window-fields", "data-mode": "time" },
    field("cam-window-start", "From (HH:MM)", input("cam-window-start", "window_start", { value: window_.start || "07:00", placeholder: "07:00", inputmode: "numeric", size: 6 }), "capture_window.start"),
    field("cam-window-end", "To (HH:MM)", input("cam-window-end", "window_end", { value: window_.end || "19:00", placeholder: "19:00", inputmode: "numeric", size: 6 }), "capture_window.end"),
    h("fieldset", { class: "days" }, h("legend", { text: "Days" }),
      WEEKDAYS.map((d) => h("label", { class: "day" }, h("input", { type: "checkbox", name: "day", value: d, id: "cam-day-" + d, checked: days.includes(d) }), d)),
      errorSlot("capture_window.days")));
  const daylightFields = h("div", { class: "window-fields", "data-mode": "daylight" },
    field("cam-window-latitude", "Latitude", input("cam-window-latitude", "window_latitude", { value: window_.latitude ?? "", placeholder: "48.85", inputmode: "decimal", size: 8 }), "capture_window.latitude"),
    field("cam-window-longitude", "Longitude", input("cam-window-longitude", "window_longitude", { value: window_.longitude ?? "", placeholder: "2.35", inputmode: "decimal", size: 8 }), "capture_window.longitude"),
    field("cam-window-sunrise", "Sunrise offset (min)", input("cam-window-sunrise", "window_sunrise", { type: "number", value: window_.sunrise_offset_minutes ?? 0, min: -720, max: 720, size: 5 }), "capture_window.sunrise_offset_minutes"),
    field("cam-window-sunset", "Sunset offset (min)", input("cam-window-sunset", "window_sunset", { type: "number", value: window_.sunset_offset_minutes ?? 0, min: -720, max: 720, size: 5 }), "capture_window.sunset_offset_minutes"));
  const showMode = () => {
    for (const box of [timeFields, daylightFields]) box.hidden = box.dataset.mode !== mode.value;
  };
  mode.addEventListener("change", showMode);
  showMode();
  const ownRetention = !!(camera && camera.retention);
  const retentionMode = h("select", { id: "cam-retention-mode", name: "retention_mode" },
    [["default", "Follow the default policy"], ["own", "Own policy"]].map(([v, t]) => h("option", { value: v, text: t, selected: (v === "own") === ownRetention })));
  const retentionBox = retentionFields("cam-retention", ownRetention ? camera.retention : { enabled: true }, errorSlot);
  const showRetention = () => { retentionBox.hidden = retentionMode.value !== "own"; };
  retentionMode.addEventListener("change", showRetention);
  showRetention();

  const testResult = h("div", { class: "test-result", id: "cam-test-result", role: "status", "aria-live": "polite" });
  const testButton = h("button", { type: "button", id: "cam-test", text: "Test", title: "Grab one frame from this URL now (nothing is stored)" });
  const form = h("form", { class: "camera-form", id: editing ? "camera-edit-form" : "camera-new-form", "aria-label": editing ? "Camera settings" : "New camera", novalidate: true },
    h("div", { class: "form-row" },
      field("cam-name", "Name", input("cam-name", "name", { required: true, value: editing ? camera.name : "" }), "name"),
      field("cam-url", "Stream or snapshot URL (optional)", input("cam-url", "rtsp_url", { placeholder: "rtsp://… or http://…", value: editing ? camera.rtsp_url || "" : "" }), "rtsp_url", { class: "grow" }),
      h("div", { class: "field" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: " " }), testButton, h("span", { class: "error" })),
      field("cam-interval", "Interval (s)", input("cam-interval", "capture_interval_seconds", { type: "number", min: 1, max: 86400, value: editing ? camera.capture_interval_seconds : 300, size: 6 }), "capture_interval_seconds")),
    testResult,
    h("details", { class: "camera-options", open: editing || undefined },
      h("summary", { text: "Capture window, time zone, rotation and crop" }),
      h("div", { class: "form-row" },
        field("cam-window-mode", "Capture window", mode, "capture_window.mode"),
        timeFields, daylightFields),
      h("div", { class: "form-row" },
        field("cam-timezone", "Time zone (IANA, empty: the setting's)", input("cam-timezone", "timezone", { value: (camera && camera.timezone) || "", placeholder: "Europe/Paris" }), "timezone"),
        field("cam-rotate", "Rotate", h("select", { id: "cam-rotate", name: "rotate" },
          [0, 90, 180, 270].map((r) => h("option", { value: r, text: r + "°", selected: ((camera && camera.rotate) || 0) === r }))), "rotate"),
        h("fieldset", { class: "crop" }, h("legend", { text: "Crop (pixels, empty: none)" }),
          ["x", "y", "w", "h"].map((k) => h("label", { class: "crop-part" }, k,
            h("input", { id: "cam-crop-" + k, name: "crop_" + k, type: "number", min: k === "w" || k === "h" ? 16 : 0, value: crop[k] ?? "", size: 5 }))),
          errorSlot("crop")))),
    h("details", { class: "camera-options", open: ownRetention || undefined },
      h("summary", { text: "Retention" }),
      h("div", { class: "form-row" }, field("cam-retention-mode", "Retention", retentionMode, "retention"), retentionBox)),
    h("div", { class: "form-error error", id: "cam-error-form", "aria-live": "polite" }),
    h("div", { class: "actions-row" }, h("button", { class: "primary", type: "submit", id: "cam-save", text: editing ? "Save camera" : "Add camera" })));

  const initialURL = editing ? camera.rtsp_url || "" : "";
  testButton.addEventListener("click", () => testCamera(form, camera, initialURL));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    let body;
    try { body = cameraBody(form, editing, initialURL); } catch (err) { showFieldError(form, err.field, err.message); return; }
    const saveButton = $("#cam-save", form);
    saveButton.disabled = true;
    try {
      const saved = editing ? await api.patch(`/api/cameras/${camera.id}`, body) : await api.post("/api/cameras", body);
      if (!editing) { form.reset(); showMode(); showRetention(); testResult.replaceChildren(); }
      await onSaved(saved);
    } catch (err) {
      showFieldError(form, err.details && err.details.field, err.message);
    } finally { saveButton.disabled = false; }
  });
  return form;
}

/// The JSON body of the camera form; throws `{field, message}` for what can be told before asking the server.
function cameraBody(form, editing, initialURL) {
  const v = (name) => form.elements[name].value.trim();
  const body = { name: v("name"), capture_interval_seconds: v("capture_interval_seconds") === "" ? null : Number(v("capture_interval_seconds")) };
  const url = v("rtsp_url");
  if (!editing) { if (url) body.rtsp_url = url; }
  else if (url !== initialURL) body.rtsp_url = url || null;  // the answered URL is masked: only send a changed one
  const mode = form.elements.window_mode.value;
  const number = (s) => (s !== "" && !Number.isNaN(Number(s))) ? Number(s) : s;
  if (mode === "time") {
    body.capture_window = { mode, start: v("window_start"), end: v("window_end") };
    const days = [...form.querySelectorAll('input[name="day"]:checked')].map((c) => c.value);
    if (days.length < 7) body.capture_window.days = days;
  } else if (mode === "daylight") {
    body.capture_window = { mode, latitude: number(v("window_latitude")), longitude: number(v("window_longitude")) };
    if (v("window_sunrise") !== "") body.capture_window.sunrise_offset_minutes = number(v("window_sunrise"));
    if (v("window_sunset") !== "") body.capture_window.sunset_offset_minutes = number(v("window_sunset"));
  } else body.capture_window = { mode: "always" };
  const zone = v("timezone");
  if (zone || editing) body.timezone = zone || null;
  body.rotate = Number(form.elements.rotate.value);
  const parts = ["x", "y", "w", "h"].map((k) => v("crop_" + k));
  if (parts.every((p) => p !== "")) { const [x, y, w, hh] = parts.map(Number); body.crop = { x, y, w, h: hh }; }
  else if (parts.some((p) => p !== "")) throw { field: "crop", message: "Give x, y, w and h, or none of them" };
  else if (editing) body.crop = null;
  if (form.elements.retention_mode.value === "own") body.retention = retentionPolicy(form, "cam-retention");
  else if (editing) body.retention = null;
  return body;
}

function clearErrors(form) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/// Shows a message at the field the server named (`capture_window.start`, `crop`, …), else under the form.
function showFieldError(form, field, message) {
  const key = field === "url" ? "rtsp_url" : field;
  const slot = key && $("#cam-error-" + key.replace(/[._]/g, "-"), form);
  if (!slot) { $("#cam-error-form", form).textContent = message; return; }
  slot.textContent = message;
  const details = slot.closest("details");
  if (details) details.open = true;
  const control = slot.parentElement.querySelector("input, select");
  if (control) { control.setAttribute("aria-invalid", "true"); control.focus(); }
}

/// One grab from the URL typed (or, unchanged on a saved camera, from its saved URL): size, time and a preview.
async function testCamera(form, camera, initialURL) {
  const result = $("#cam-test-result", form);
  const button = $("#cam-test", form);
  clearErrors(form);
  const url = form.elements.rtsp_url.value.trim();
  if (!url && !camera) { showFieldError(form, "rtsp_url", "Type a URL to test"); return; }
  button.disabled = true;
  result.className = "test-result";
  result.replaceChildren("Grabbing a frame…");
  try {
    const r = camera && url === initialURL && url
      ? await api.post(`/api/cameras/${camera.id}/test`)
      : await api.post("/api/cameras/test", { url });
    if (r.ok) {
      result.className = "test-result ok";
      result.replaceChildren(
        h("div", { id: "cam-test-summary" }, h("strong", { text: "✓ OK" }),
          ` · ${r.width}×${r.height} · ${(r.bytes / 1024).toFixed(0)} KB · ${r.elapsed_ms} ms`),
        r.preview_url ? h("img", { id: "cam-test-preview", src: r.preview_url, alt: "Frame grabbed by the test", width: 240 }) : null);
    } else {
      result.className = "test-result bad";
      result.replaceChildren(h("div", { id: "cam-test-summary" }, h("strong", { text: "✗ Failed" }), ` after ${r.elapsed_ms} ms: ${r.error || "no frame"}`));
    }
  } catch (err) {
    result.replaceChildren();
    showFieldError(form, err.details && err.details.field, err.message);
  } finally { button.disabled = false; }
}

// ---------- cards ----------
async function renderCameras() {
  const grid = $("#cameras");
  if (!grid) return;
  const cameras = await api.get("/api/cameras");
  grid.replaceChildren(...(cameras.length ? cameras.map((c) => h("article", { class: "card", "data-camera": c.id }, "…"))
    : [h("p", { text: can("operator") ? "No cameras yet. Add one above, or POST frames to /api/cameras/{id}/captures." : "No cameras yet." })]));
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

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/// The camera's status lines: up or down, uptime over the last 24 h, next capture and whether its window is open.
function cameraStatus(camera) {
  const lines = [];
  if (camera.rtsp_url) {
    lines.push(camera.outage_open
      ? h("div", { class: "status down", "data-field": "status", text: `● Down · ${camera.consecutive_failures} failed grabs` })
      : h("div", { class: "status up", "data-field": "status", text: "● Up" }));
  } else lines.push(h("div", { class: "status none", "data-field": "status", text: "○ Uploads only (no URL)" }));
  const uptime = camera.uptime_percent;
  if (camera.rtsp_url || uptime !== 100) {
    lines.push(h("div", { class: "meta", "data-field": "uptime",
      text: uptime === null || uptime === undefined ? "Uptime (24 h): –" : `Uptime (24 h): ${uptime}%` }));
  }
  const windowText = camera.window_open === false ? "window closed" : "window open";
  const schedule = camera.capture_window && camera.capture_window.mode !== "always" ? ` · ${windowText}` : "";
  lines.push(h("div", { class: "meta", "data-field": "next",
    text: camera.next_capture_at ? `Next capture: ${clock(camera.next_capture_at)}${schedule}`
      : `No scheduled capture${schedule}` }));
  if (camera.consecutive_failures > 0 && camera.last_error) {
    lines.push(h("div", { class: "meta bad", "data-field": "error", text: `Last error: ${camera.last_error}` }));
  }
  return lines;
}

/// Grabs a frame from the camera's URL now (`POST …/capture-now`).
async function captureNow(cameraId, button) {
  if (button) button.disabled = true;
  try {
    const r = await api.post(`/api/cameras/${cameraId}/capture-now`);
    toast(`Captured a frame (${r.width}×${r.height}) at ${clock(r.captured_at)}`);
  } catch (err) { toast(err.message); }
  finally { if (button) button.disabled = false; }
}

async function refreshCard(cameraId, known) {
  const card = document.querySelector(`[data-camera="${cameraId}"]`);
  if (!card) return;
  let camera;
  try { camera = known || await api.get(`/api/cameras/${cameraId}`); } catch (err) { if (err.status === 404) card.remove(); return; }
  const [meta, timelapse] = await Promise.all([
    latestImage(camera),
    camera.active_timelapse_id ? api.get(`/api/timelapses/${camera.active_timelapse_id}`) : null,
  ]);
  const captured = meta && (meta.captured_at || (meta.image && meta.image.captured_at));
  const actions = h("div", { class: "actions" });
  const operator = can("operator");
  if (timelapse) {
    actions.append(h("a", { class: "button", href: `#/timelapses/${timelapse.id}`, text: "Frames" }));
    if (operator) actions.append(h("button", { type: "button", text: "Complete timelapse", onclick: async () => {
      try { await api.post(`/api/timelapses/${timelapse.id}/complete`); await refreshCard(cameraId); } catch (err) { toast(err.message); }
    } }));
    if (operator && camera.rtsp_url) actions.append(h("button", { type: "button", class: "capture-now", text: "Capture now", onclick: (e) => captureNow(cameraId, e.currentTarget) }));
  } else {
    if (operator) actions.append(h("button", { type: "button", class: "primary", text: "Start timelapse", onclick: async () => {
      try { await api.post(`/api/cameras/${cameraId}/timelapses`, {}); await refreshCard(cameraId); } catch (err) { toast(err.message); }
    } }));
    actions.append(h("a", { class: "button", href: `#/cameras/${cameraId}/timelapses`, text: "History",
      onclick: async (e) => { e.preventDefault(); await showHistory(cameraId, card); } }));
  }
  actions.append(h("a", { class: "button", href: `#/cameras/${cameraId}`, text: "Camera", title: "Status, timeline and settings" }));
  card.classList.toggle("is-down", !!camera.outage_open);
  // The frame's ThumbHash behind it until the thumbnail has loaded (a redrawn card never flashes empty).
  const placeholder = meta ? thumbHashURL(meta.thumbhash || (meta.image && meta.image.thumbhash)) : null;
  card.replaceChildren(
    h("img", { class: "latest", src: thumbnailURL(meta, camera), alt: `Latest frame of ${camera.name}`, width: 200, height: 150,
      style: placeholder ? `background-image: url("${placeholder}")` : null }),
    h("div", { class: "body" },
      h("h2", {}, h("a", { href: `#/cameras/${cameraId}`, text: camera.name })),
      cameraStatus(camera),
      h("div", { class: "meta", "data-field": "timelapse",
        text: timelapse ? `Recording: ${timelapse.name}` : "No running timelapse" }),
      h("div", { class: "meta", "data-field": "count", text: `${timelapse ? timelapse.image_count : 0} frames` }),
      h("div", { class: "meta", "data-field": "last", text: `Last capture: ${when(captured || camera.last_capture_at)}` }),
      actions));
}

async function showHistory(cameraId, card) {
  const list = await api.get(`/api/cameras/${cameraId}/timelapses`);
  const box = h("div", { class: "meta" }, list.length ? list.map((t) =>
    h("div", {}, h("a", { href: `#/timelapses/${t.id}`, text: `${t.name} (${t.status}, ${t.image_count} frames)` }))) : "No timelapses yet");
  $(".body", card).append(box);
}
