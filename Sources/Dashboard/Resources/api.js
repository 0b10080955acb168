// Timelapser dashboard: the JSON API client (bearer token, error objects) and the live Server-Sent Events connection.
"use strict";

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
  put: (p, b) => api.call("PUT", p, b),
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

// ---------- live events ----------
const live = { handlers: new Set(), source: null };
function connectEvents() {
  const source = new EventSource("/api/events");
  live.source = source;
  source.onopen = () => { $("#live").textContent = "● live"; $("#live").className = "live ok"; };
  source.onerror = () => { $("#live").textContent = "○ reconnecting"; $("#live").className = "live bad"; };
  const types = ["image_captured", "image_deleted", "thumbnail_job_completed", "thumbnail_job_failed", "thumbnail_regeneration_started",
    "thumbnail_regeneration_progress", "thumbnail_regeneration_completed", "thumbnail_regeneration_cancelled",
    "thumbnails_verified", "thumbnails_repaired", "thumbnails_cleaned", "thumbnails_deleted", "timelapse_completed",
    "video_queued", "video_render_progress", "video_completed", "video_failed", "video_cancelled",
    "camera_offline", "camera_online", "camera_deleted", "timelapse_deleted", "disk_low", "retention_applied"];
  for (const type of types) {
    source.addEventListener(type, (e) => {
      let data = {};
      try { data = JSON.parse(e.data); } catch (_) { /* ignore */ }
      for (const handler of live.handlers) handler(type, data);
    });
  }
}
function onLive(handler) { live.handlers.add(handler); return () => live.handlers.delete(handler); }
