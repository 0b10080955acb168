// Timelapser dashboard: one camera's page (status, capture now, its timeline of captures, gaps and outages over the
// last 24 h / 7 d / 30 d, and the camera form to edit it), live over camera_offline / camera_online / image_captured.
"use strict";

const TIMELINE_RANGES = { "24h": { label: "24 h", ms: 24 * 3600e3, buckets: 96 }, "7d": { label: "7 d", ms: 7 * 24 * 3600e3, buckets: 168 },
  "30d": { label: "30 d", ms: 30 * 24 * 3600e3, buckets: 120 } };
const TIMELINE_MAX_PAGES = 10;  // frames read per timelapse: at most 10 pages of 1000, newest first

async function cameraView(id) {
  const root = main();
  let camera;
  try { camera = await api.get(`/api/cameras/${id}`); } catch (err) { root.replaceChildren(h("p", { text: err.message })); return; }
  let range = sessionStorage.getItem("timelapser.timeline") || "24h";
  if (!TIMELINE_RANGES[range]) range = "24h";
  const status = h("div", { id: "camera-status", class: "camera-status", "aria-live": "polite" });
  const picker = h("fieldset", { class: "video-presets timeline-range" }, h("legend", { class: "sr-only", text: "Timeline range" }),
    Object.entries(TIMELINE_RANGES).map(([key, r]) => h("label", { class: "preset", "data-range": key },
      h("input", { type: "radio", name: "timeline-range", value: key, checked: key === range,
        onchange: () => { range = key; sessionStorage.setItem("timelapser.timeline", key); drawTimeline(camera, range); } }), r.label)));
  root.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/", text: "Cameras" }), " ›"),
    h("h1", { id: "camera-title", text: camera.name }),
    h("section", { class: "panel", "aria-labelledby": "s-status" }, h("h2", { id: "s-status", text: "Status" }), status),
    h("section", { class: "panel", id: "timeline-panel", "aria-labelledby": "s-timeline" },
      h("div", { class: "panel-head" }, h("h2", { id: "s-timeline", text: "Timeline" }), picker),
      h("div", { id: "timeline", class: "timeline", "aria-live": "polite" }, "Loading…")),
    can("operator") ? h("section", { class: "panel", "aria-labelledby": "s-camera" }, h("h2", { id: "s-camera", text: "Camera settings" }),
      cameraForm(camera, async (saved) => { camera = saved; $("#camera-title").textContent = saved.name; toast("Camera saved"); await refresh(); })) : null);
  let left = false;
  const refresh = async () => {
    try { camera = await api.get(`/api/cameras/${id}`); } catch (_) { return; }
    if (left) return;
    renderCameraStatus(camera, status, refresh);
    await drawTimeline(camera, range);
  };
  renderCameraStatus(camera, status, refresh);
  await drawTimeline(camera, range);
  let pending = null;
  const off = onLive((type, data) => {
    if (data.camera_id !== id || !["image_captured", "camera_offline", "camera_online", "timelapse_completed"].includes(type)) return;
    clearTimeout(pending);
    pending = setTimeout(refresh, type === "image_captured" ? 1000 : 100);
  });
  leaveView = () => { left = true; off(); clearTimeout(pending); };
}

function renderCameraStatus(camera, box, refresh) {
  const actions = h("div", { class: "actions-row" });
  if (camera.rtsp_url && camera.active_timelapse_id && can("operator")) {
    actions.append(h("button", { type: "button", id: "camera-capture-now", class: "primary", text: "Capture now",
      onclick: async (e) => { await captureNow(camera.id, e.currentTarget); await refresh(); } }));
  }
  if (camera.active_timelapse_id) actions.append(h("a", { class: "button", href: `#/timelapses/${camera.active_timelapse_id}`, text: "Frames" }));
  const window_ = camera.capture_window || { mode: "always" };
  const windowText = window_.mode === "time" ? `${window_.start}–${window_.end}${window_.days ? " on " + window_.days.join(", ") : ""}`
    : window_.mode === "daylight" ? `daylight at ${window_.latitude}, ${window_.longitude}` : "always";
  box.replaceChildren(...cameraStatus(camera),
    h("div", { class: "meta", text: `Every ${camera.capture_interval_seconds} s · window: ${windowText}${camera.timezone ? " (" + camera.timezone + ")" : ""}` }),
    h("div", { class: "meta", text: `Last success: ${when(camera.last_success_at)}` }),
    h("div", { class: "meta", "data-field": "retention",
      text: `Retention: ${camera.retention ? "own policy (" + retentionSummary(camera.retention) + ")" : "the default policy"}` }), actions);
}

/// The frames of the camera's timelapses captured in [from, to): the newest pages of each timelapse that overlaps.
async function framesInRange(cameraId, from, to) {
  const timelapses = await api.get(`/api/cameras/${cameraId}/timelapses`);
  const times = [];
  let truncated = false;
  const spans = [];
  for (const t of timelapses) {
    const start = Date.parse(t.started_at), end = t.completed_at ? Date.parse(t.completed_at) : to;
    if (end < from || start >= to) continue;
    spans.push([Math.max(start, from), Math.min(end, to)]);
    let offset = t.image_count;
    for (let page = 0; offset > 0; page++) {
      if (page >= TIMELINE_MAX_PAGES) { truncated = true; break; }
      const limit = Math.min(1000, offset);
      offset -= limit;
      const images = await api.get(`/api/timelapses/${t.id}/images?limit=${limit}&offset=${offset}`);
      for (const image of images) { const at = Date.parse(image.captured_at); if (at >= from && at < to) times.push(at); }
      if (!images.length || Date.parse(images[0].captured_at) < from) break;
    }
  }
  return { times, spans, truncated };
}

/// Draws captures (bars per bucket), gaps (recording buckets without a frame) and outages (bands) as one SVG.
async function drawTimeline(camera, rangeKey) {
  const box = $("#timeline");
  if (!box) return;
  const r = TIMELINE_RANGES[rangeKey];
  const to = Date.now(), from = to - r.ms;
  const [frames, outages] = await Promise.all([
    framesInRange(camera.id, from, to),
    api.get(`/api/cameras/${camera.id}/outages?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`).catch(() => []),
  ]);
  const n = r.buckets, size = r.ms / n;
  const counts = new Array(n).fill(0);
  for (const at of frames.times) counts[Math.min(n - 1, Math.floor((at - from) / size))]++;
  // A bucket expects a frame when a timelapse was recording through it, it was not in the future and the interval fits.
  const expected = (i) => {
    const a = from + i * size, b = a + size;
    if (b > to || camera.capture_interval_seconds * 1000 > size) return false;
    return frames.spans.some(([s, e]) => s <= a && e >= b);
  };
  const W = 1000, H = 64, barTop = 8, barH = 40;
  const x = (t) => (t - from) / r.ms * W;
  // Bars are scaled to the 90th percentile of the busy slots, so a burst of frames does not flatten the rest.
  const busy = counts.filter((c) => c > 0).sort((p, q) => p - q);
  const norm = Math.max(1, busy.length ? busy[Math.floor(0.9 * (busy.length - 1))] : 1);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H + 18}`, class: "timeline-svg", role: "img",
    "aria-label": `Timeline of the last ${r.label}: ${frames.times.length} captures, ${outages.length} outages` });
  svg.append(svgEl("rect", { x: 0, y: barTop, width: W, height: barH, class: "track" }));
  let gaps = 0;
  counts.forEach((c, i) => {
    const bx = i * W / n, bw = W / n;
    if (c > 0) {
      const bh = Math.max(4, barH * Math.min(1, c / norm));
      svg.append(svgEl("rect", { x: bx + 0.5, y: barTop + barH - bh, width: Math.max(0.5, bw - 1), height: bh, class: "capture" },
        svgTitle(`${c} frame${c === 1 ? "" : "s"} from ${new Date(from + i * size).toLocaleString()}`)));
    } else if (expected(i)) {
      gaps++;
      svg.append(svgEl("rect", { x: bx, y: barTop + barH - 6, width: bw, height: 6, class: "gap" },
        svgTitle(`No frame from ${new Date(from + i * size).toLocaleString()}`)));
    }
  });
  for (const o of outages) {
    const s = Math.max(from, Date.parse(o.started_at)), e = Math.min(to, o.ended_at ? Date.parse(o.ended_at) : to);
    const ox = x(s), ow = Math.max(3, x(e) - ox);
    svg.append(svgEl("rect", { x: ox, y: 2, width: ow, height: barTop + barH + 4, class: "outage", "data-outage": o.id },
      svgTitle(`Down ${new Date(o.started_at).toLocaleString()} – ${o.ended_at ? new Date(o.ended_at).toLocaleString() : "now"}: `
        + `${o.failed_grabs} failed grabs${o.last_error ? ", " + o.last_error : ""}`)));
  }
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = from + i * r.ms / ticks;
    const label = rangeKey === "24h" ? new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : new Date(t).toLocaleDateString([], { month: "short", day: "numeric" });
    svg.append(svgEl("line", { x1: x(t), x2: x(t), y1: barTop + barH, y2: barTop + barH + 4, class: "tick" }),
      svgEl("text", { x: Math.min(W - 2, Math.max(2, x(t))), y: H + 14, class: "tick-label",
        "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" }, label));
  }
  const list = outages.length ? h("ul", { class: "outage-list", id: "outage-list" }, outages.map((o) => h("li", { "data-outage": o.id },
    h("span", { class: "bad", text: o.ended_at ? "Down" : "Down now" }),
    ` ${when(o.started_at)} – ${o.ended_at ? when(o.ended_at) : "…"} · ${o.failed_grabs} failed grab${o.failed_grabs === 1 ? "" : "s"}`,
    o.last_error ? h("span", { class: "meta", text: ` · ${o.last_error}` }) : null))) : null;
  box.replaceChildren(svg,
    h("div", { class: "timeline-legend" },
      h("span", { class: "key capture" }), `${frames.times.length} captures`,
      h("span", { class: "key gap" }), `${gaps} empty ${bucketLabel(size)} slots`,
      h("span", { class: "key outage" }), `${outages.length} outage${outages.length === 1 ? "" : "s"}`,
      frames.truncated ? h("span", { class: "meta", text: " (oldest frames not read)" }) : null),
    list || h("p", { class: "meta", text: "No outages in this range." }));
}

const bucketLabel = (ms) => ms >= 3600e3 ? `${ms / 3600e3} h` : `${ms / 60e3} min`;

function svgEl(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c.nodeType ? c : document.createTextNode(String(c)));
  return el;
}
function svgTitle(text) { return svgEl("title", {}, text); }
