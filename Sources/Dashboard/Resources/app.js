// Timelapser dashboard: cameras, timelapse frames and videos, settings and maintenance, live over Server-Sent Events.
// Plain JavaScript, no build step. Every image uses the API's versioned URLs so browser caching stays correct.
// Loaded last (see index.html): dom.js, api.js, cameras.js, camera.js, timelapse.js, videos.js, webhooks.js,
// storage.js, settings.js, then this file, which routes and starts.
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
window.addEventListener("hashchange", checkHealth);
window.addEventListener("DOMContentLoaded", () => { connectEvents(); route(); checkHealth(); setInterval(checkHealth, 60000); });
onLive((type) => { if (type === "disk_low") checkHealth(); });

// ---------- health banner ----------
/// A warning above every page while the data directory is not the database's, or the disk is low.
async function checkHealth() {
  const banner = $("#health-banner");
  let health;
  try { health = await api.get("/api/health"); } catch (_) { return; }
  const lines = [];
  const dir = health.data_dir;
  if (dir && dir.status === "mismatch") {
    lines.push(h("div", { id: "health-data-dir" }, h("strong", { text: "Data directory problem: " }), dir.reason || "it is not this database's",
      ". Cleanup, repair and retention refuse to delete anything until it is fixed."));
  }
  const disk = health.disk;
  if (disk && disk.status === "low") {
    lines.push(h("div", { id: "health-disk" }, h("strong", { text: "Disk space low: " }),
      `${bytesText(disk.free_bytes)} free of ${bytesText(disk.total_bytes)} (reserve ${bytesText(disk.reserve_bytes)}).`));
  }
  banner.replaceChildren(...lines);
  banner.hidden = lines.length === 0;
}
