// Timelapser dashboard: the timelapse page: its actions, the film-strip player (player.js), the frame grid
// (framegrid.js) over the timelapse's frame index (frameindex.js), the frame viewer, and its Videos panel (videos.js).
"use strict";

// ---------- timelapse view ----------
async function timelapseView(id) {
  const root = main();
  let timelapse;
  try { timelapse = await api.get(`/api/timelapses/${id}`); } catch (err) { root.replaceChildren(h("p", { text: err.message })); return; }
  const result = h("div", { class: "result", id: "timelapse-result", role: "status" });
  const videos = videosPanel(id);
  // Until the frames are known, boxes of about the final size: the page does not jump when they come.
  let player = null, grid = null, left = false, index = null;
  const playerSlot = h("section", { class: "panel player loading", "aria-label": "Player", "aria-busy": "true" }, h("p", { class: "meta", text: "Loading frames…" }));
  const gridSlot = h("section", { class: "panel frames-loading", "aria-label": "Frames", "aria-busy": "true" });
  const leaveParts = () => { if (player) player.leave(); if (grid) grid.leave(); player = grid = null; };
  let stopLive = () => {}, pending = null, reloadTimer = null;
  leaveView = () => { left = true; videos.leave(); leaveParts(); stopLive(); clearTimeout(pending); clearTimeout(reloadTimer); };
  root.replaceChildren(
    h("h1", { text: timelapse.name }),
    h("div", { class: "panel" },
      h("div", { class: "meta", text: `${timelapse.status} · started ${when(timelapse.started_at)} · ${timelapse.thumbnail_count} thumbnails, ${timelapse.small_count} smalls` }),
      can("operator") ? h("div", { class: "actions-row" },
        h("button", { type: "button", id: "generate-thumbnails", text: "Generate Thumbnails", onclick: () => generateThumbnails(id, result) }),
        h("button", { type: "button", id: "verify-thumbnails", text: "Verify Thumbnails", onclick: () => verifyThumbnails(id, result) })) : null,
      h("div", { class: "actions-row" },
        h("a", { class: "button", id: "export-zip", href: `/api/timelapses/${id}/export`, download: `timelapse-${id}.zip`,
                 text: "Export frames (ZIP)", title: "Every frame as captured, with index.csv" }),
        h("a", { class: "button", id: "export-small-zip", href: `/api/timelapses/${id}/export?variant=small`, download: `timelapse-${id}-small.zip`,
                 text: "Export smalls (ZIP)" })),
      result),
    playerSlot,
    gridSlot,
    videos.element);
  const camera = await api.get(`/api/cameras/${timelapse.camera_id}`).catch(() => null);

  /// The frame index, then the player and the grid over it (again after frames were deleted: not playing then, the
  /// grid where it was).
  let builds = 0;
  async function build() {
    const seq = ++builds;  // deletions can ask again before an answer: only the last one's is drawn
    let fresh, first = null;
    try {
      fresh = await loadFrameIndex(id, camera);
      if (fresh.count) first = await api.get(`/api/images/${fresh.ids[0]}`).catch(() => null);
    } catch (err) {
      if (left || seq !== builds) return;
      if (grid) toast(err.message); else playerSlot.replaceChildren(h("p", { text: err.message }));
      return;
    }
    if (left || seq !== builds) return;
    if (!fresh.interval && camera) fresh.interval = camera.capture_interval_seconds;
    const again = !!grid, scrollTop = grid ? grid.scrollTop() : 0;
    leaveParts();
    index = fresh;
    player = filmPlayer(index, { timelapseId: id, first, autoplay: !again });
    grid = frameGrid(index, { startedAt: timelapse.started_at, scrollTop, onOpen: (i) => openFrameAt(index, i),
      onPlay: (a, b) => player.playRange(a, b), onRender: (a, b) => player.render(a, b), reload: build });
    $("#player, .player.loading", root).replaceWith(player.element);
    $("#frames-panel, .frames-loading", root).replaceWith(grid.element);
  }
  await build();
  if (left) return;

  // Thumbnails made (their new URL and ThumbHash), frames captured (appended), frames deleted (the index again).
  let added = false;
  stopLive = onLive((type, data) => {
    if (data.timelapse_id !== id || !index) return;
    if (type === "thumbnail_job_completed" && grid) grid.updateThumb(data.image_id, data.thumbnail_url, data.thumbhash);
    else if (type === "image_captured") {
      added = index.append(data.image_id, Date.parse(data.captured_at) / 1000) || added;
      // A running timelapse grows by a frame every few seconds at most: the layout once for a burst.
      if (added && !pending) pending = setTimeout(() => { pending = null; added = false; if (grid) grid.refresh(); if (player) player.refresh(); }, 500);
    } else if (type === "image_deleted" && index.positionOf.has(data.image_id)) {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(build, 1000);
    }
  });
}

/// Dry run, then (confirmed) the render of `body`: the player's "Render this" and the grid's "Render selection".
async function renderVideo(id, body) {
  try {
    const e = await api.post(`/api/timelapses/${id}/videos?dry_run=true`, body);
    if (!confirm(`Render ${plural(e.frame_count, "frame")} at ${Number(e.fps.toFixed(2))} fps into a ${videoSeconds(e.duration_seconds)} video`
      + ` (${e.width}×${e.height})? About ${videoSeconds(e.estimated_render_seconds)} to render.`)) return null;
    const r = await api.post(`/api/timelapses/${id}/videos`, body);
    toast(`Rendering ${r.name} v${r.version}`);
    return r;
  } catch (err) { toast(err.message); return null; }
}

/// The frame viewer for frame `i` of the index (the grid knows ids and times; the viewer wants the image object).
async function openFrameAt(index, i) {
  try { openFrame(await api.get(`/api/images/${index.ids[i]}`)); } catch (err) { toast(err.message); }
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400), hours = Math.floor(seconds % 86400 / 3600), m = Math.round(seconds % 3600 / 60);
  return d ? `${d} d ${hours} h` : hours ? `${hours} h ${m} min` : `${m} min`;
}

function openFrame(image) {
  const dialog = $("#frame-dialog");
  $("#frame-title").textContent = new Date(image.captured_at).toLocaleString() + ` · day ${image.day_number}`;
  const img = $("#frame-img");
  // The frame's shape before its pixels (no jump), its ThumbHash behind it until they come.
  img.width = image.width;
  img.height = image.height;
  const placeholder = thumbHashURL(image.thumbhash);
  img.style.backgroundImage = placeholder ? `url("${placeholder}")` : "";
  img.src = image.urls.small;
  img.alt = `Frame of ${new Date(image.captured_at).toLocaleString()}`;
  $("#frame-full").href = image.urls.full;
  $("#frame-close").onclick = () => dialog.close();
  dialog.showModal();
  $("#frame-close").focus();
}

async function generateThumbnails(id, result) {
  const body = { force_regenerate: true, include_smalls: true };
  try {
    const e = await api.post(`/api/timelapses/${id}/thumbnails/generate?dry_run=true`, body);
    if (!confirm(`Generate thumbnails and smalls of ${plural(e.jobs_to_queue, "image")}? About ${aboutTime(e.estimated_seconds)} `
      + `(~${bytesText(e.estimated_bytes)} written).`)) { result.textContent = "Nothing queued."; return; }
    const r = await api.post(`/api/timelapses/${id}/thumbnails/generate`, body);
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
