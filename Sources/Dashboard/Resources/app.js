// Timelapser dashboard: cameras, timelapse frames and videos, settings and maintenance, live over Server-Sent Events.
// Plain JavaScript, no build step. Every image uses the API's versioned URLs so browser caching stays correct.
// Loaded last (see index.html): dom.js, api.js, auth.js, account.js, cameras.js, camera.js, thumbhash.js, frameindex.js,
// player.js, framegrid.js, timelapse.js, videos.js, webhooks.js, storage.js, settings.js, then this file, which routes
// and starts (boot() in auth.js: signed in first).
"use strict";

// ---------- router ----------
let leaveView = () => {};
function route() {
  if (!mayRoute()) return;  // signed out: the sign-in page instead, whatever the address says
  leaveView();
  leaveView = () => {};
  const hash = location.hash || "#/";
  const section = hash.startsWith("#/settings") ? "settings" : hash.startsWith("#/account") ? "account" : "cameras";
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === section) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  let m;
  if ((m = hash.match(/^#\/timelapses\/(\d+)/))) return timelapseView(Number(m[1]));
  if ((m = hash.match(/^#\/cameras\/(\d+)$/))) return cameraView(Number(m[1]));
  if (hash.startsWith("#/settings")) return settingsView();
  if (hash.startsWith("#/account")) return accountView();
  return camerasView();
}
window.addEventListener("hashchange", route);
window.addEventListener("popstate", () => { if (!signedIn()) route(); });  // Back to an entry of the same address
window.addEventListener("hashchange", checkHealth);
window.addEventListener("DOMContentLoaded", () => { boot(); checkHealth(); setInterval(checkHealth, 60000); });
onLive((type) => { if (type === "disk_low") checkHealth(); });

// ---------- health banner ----------
/// A warning above every page while the data directory is not the database's, the disk is low, or the server is open
/// to the network without access control.
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
  if (health.auth && health.auth.warning) {
    lines.push(h("div", { id: "health-auth" }, h("strong", { text: "Access: " }), health.auth.warning));
  }
  banner.replaceChildren(...lines);
  banner.hidden = lines.length === 0;
}
