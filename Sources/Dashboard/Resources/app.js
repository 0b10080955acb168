// Timelapser dashboard: cameras, timelapse frames and videos, settings and maintenance, live over Server-Sent Events.
// Plain JavaScript, no build step. Every image uses the API's versioned URLs so browser caching stays correct.
// Loaded last (see index.html): dom.js, api.js, cameras.js, camera.js, timelapse.js, videos.js, webhooks.js, settings.js, then this file, which routes and starts.
"use strict";

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
  if ((m = hash.match(/^#\/cameras\/(\d+)$/))) return cameraView(Number(m[1]));
  if (hash.startsWith("#/settings")) return settingsView();
  return camerasView();
}
window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => { connectEvents(); route(); });
