// Timelapser dashboard: the JSON API client (session cookie or bearer token, error objects) and the live Server-Sent Events connection.
"use strict";

// ---------- API ----------
// In users mode (auth.js) the session cookie authenticates every call: a 401 means the session ended (back to the
// sign-in page), a 403 that the role may not (a toast). With `--api-token` a 401 asks for the token instead.
const api = {
  token() { return localStorage.getItem("timelapser.token") || ""; },
  /// `options.quiet`: no 401/403 handling (the sign-in form reads those itself).
  async call(method, path, body, options = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && api.token() && session.mode !== "users") headers["Authorization"] = "Bearer " + api.token();
    const epoch = session.epoch;
    const response = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    let json = null;
    try { json = await response.json(); } catch (_) { /* no body */ }
    // Signed out meanwhile (or now): the view that asked must not draw anything, not even an error.
    if (epoch !== session.epoch) return new Promise(() => {});
    if (!options.quiet && session.mode === "users") {
      if (response.status === 401) { showLogin("Your session has ended: sign in again."); return new Promise(() => {}); }
      if (response.status === 503 && json && json.details && json.details.setup_required) { showSetup(); return new Promise(() => {}); }
    }
    if (response.status === 401 && !options.quiet && !options.retried && session.mode !== "users" && await askToken()) {
      return api.call(method, path, body, { retried: true });
    }
    if (!response.ok) {
      const error = new Error((json && json.error) || response.statusText);
      error.status = response.status;
      error.details = (json && json.details) || {};
      if (response.status === 403 && !options.quiet) toast(error.message);
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
  $("#live").textContent = "connecting…";
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
function disconnectEvents() {
  if (live.source) live.source.close();
  live.source = null;
  $("#live").textContent = "";
  $("#live").className = "live";
}
function onLive(handler) { live.handlers.add(handler); return () => live.handlers.delete(handler); }
// A page left behind (or kept for Back) gives its stream back at once: a browser opens at most six connections to a
// server, and the streams of a few pages left would hold them all (the next page would wait for one to time out).
window.addEventListener("pagehide", () => disconnectEvents());
// Back to a kept page: the stream again (with users, boot() in auth.js checks the session first and reconnects).
window.addEventListener("pageshow", (e) => { if (e.persisted && session.mode !== "users" && session.started && !live.source) connectEvents(); });
