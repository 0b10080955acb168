// Timelapser dashboard: the timelapse page (paged frame grid, frame viewer, per-timelapse thumbnail actions; its Videos
// panel is videos.js).
"use strict";

const PAGE_SIZE = 120;

// ---------- timelapse view ----------
async function timelapseView(id, page = 0) {
  leaveView();  // paging re-enters this view without the router
  leaveView = () => {};
  const root = main();
  let timelapse;
  try { timelapse = await api.get(`/api/timelapses/${id}`); } catch (err) { root.replaceChildren(h("p", { text: err.message })); return; }
  const pages = Math.max(1, Math.ceil(timelapse.image_count / PAGE_SIZE));
  page = Math.min(page, pages - 1);
  const result = h("div", { class: "result", id: "timelapse-result", role: "status" });
  const pager = () => h("nav", { class: "pager", "aria-label": "Pages" },
    h("button", { type: "button", text: "‹ Previous", disabled: page === 0, onclick: () => timelapseView(id, page - 1) }),
    h("span", { text: `Page ${page + 1} of ${pages} · ${timelapse.image_count} frames` }),
    h("button", { type: "button", text: "Next ›", disabled: page >= pages - 1, onclick: () => timelapseView(id, page + 1) }));
  const videos = videosPanel(id);
  let stopThumbnails = () => {}, left = false;
  leaveView = () => { left = true; videos.leave(); stopThumbnails(); };
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
    videos.element,
    pager(),
    h("div", { class: "frames", id: "frames" }),
    pager());
  const [images, camera] = await Promise.all([
    api.get(`/api/timelapses/${id}/images?limit=${PAGE_SIZE}&offset=${page * PAGE_SIZE}`),
    api.get(`/api/cameras/${timelapse.camera_id}`).catch(() => null)]);
  if (left) return;
  const cells = [];
  images.forEach((image, i) => {
    const gap = i > 0 && camera ? frameGap(images[i - 1], image, camera.capture_interval_seconds) : null;
    if (gap) cells.push(gap);
    cells.push(h("button", { type: "button", class: "frame", "data-image": image.id,
      "aria-label": `Frame ${new Date(image.captured_at).toLocaleString()}`, onclick: () => openFrame(image) },
      h("img", { src: image.urls.thumbnail, loading: "lazy", alt: "", width: 200, height: 150 })));
  });
  $("#frames").replaceChildren(...cells);
  stopThumbnails = onLive((type, data) => {
    if (type !== "thumbnail_job_completed" || data.timelapse_id !== id) return;
    const img = document.querySelector(`[data-image="${data.image_id}"] img`);
    if (img && data.thumbnail_url) img.src = data.thumbnail_url;
  });
}

/// A mark between two consecutive frames much further apart than the camera's interval (3 intervals, and a minute).
function frameGap(before, after, intervalSeconds) {
  const seconds = (Date.parse(after.captured_at) - Date.parse(before.captured_at)) / 1000;
  if (seconds <= Math.max(3 * intervalSeconds, 60)) return null;
  return h("div", { class: "frame-gap", role: "note", "data-gap-seconds": Math.round(seconds),
    title: `No frame from ${new Date(before.captured_at).toLocaleString()} to ${new Date(after.captured_at).toLocaleString()}` },
    h("span", { class: "gap-icon", "aria-hidden": "true", text: "⋯" }), `Gap of ${duration(seconds)}`,
    h("span", { class: "meta", text: `about ${Math.round(seconds / intervalSeconds) - 1} frames missing` }));
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400), hours = Math.floor(seconds % 86400 / 3600), m = Math.round(seconds % 3600 / 60);
  return d ? `${d} d ${hours} h` : hours ? `${hours} h ${m} min` : `${m} min`;
}

function openFrame(image) {
  const dialog = $("#frame-dialog");
  $("#frame-title").textContent = new Date(image.captured_at).toLocaleString() + ` · day ${image.day_number}`;
  $("#frame-img").src = image.urls.small;
  $("#frame-img").alt = `Frame of ${image.captured_at}`;
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
