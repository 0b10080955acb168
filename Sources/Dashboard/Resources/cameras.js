// Timelapser dashboard: the cameras page (one card per camera, live-refreshed; start/complete timelapses, history).
"use strict";

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
