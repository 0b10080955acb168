// Timelapser dashboard: the timelapse page's frame grid, for any number of frames. It is virtualised: the layout (a
// header row per local day, rows of tiles, a gap mark where frames are missing) is arithmetic over the frame index,
// and only the rows in view, and a few around them, are in the page. Tiles paint their ThumbHash at once and their
// thumbnail when it has loaded, in boxes of a fixed shape (nothing moves). Keyboard: arrows, Page Up/Down, Home/End
// move between tiles, Enter opens one; a range of frames (click, then Shift+click; Shift+Enter) can be played,
// rendered or deleted.
"use strict";

const GRID_GAP = 6;          // px between tiles (as in style.css)
const GRID_HEADER = 44;      // px of a day's header row
const GRID_OVERSCAN = 3;     // rows kept in the page above and below the view

/// The grid of `index` (a FrameIndex). `startedAt`: the timelapse's start (ISO), for day numbers; `scrollTop`: where
/// to start (a grid made again after a deletion stays where it was); `onOpen(frame)`, `onPlay(a, b)`,
/// `onRender(a, b)` and `reload()` are the page's. Returns {element, leave, refresh, updateThumb, scrollTop}.
function frameGrid(index, { startedAt, scrollTop = 0, onOpen, onPlay, onRender, reload }) {
  const sizer = h("div", { class: "frames-sizer", id: "frames" });
  // The header of the day at the top of the view stays there while its rows scroll under it (a copy: hidden from
  // screen readers, which have the real one).
  const sticky = h("div", { class: "day-sticky", "aria-hidden": "true" });
  const scroller = h("div", { class: "frames-scroll", id: "frames-scroll" }, sticky, sizer);
  const date = h("input", { type: "date", id: "frames-date" });
  const selectButton = h("button", { type: "button", id: "frames-select", "aria-pressed": "false", text: "Select frames",
    title: "Then click a first and a last frame (or Shift+click)", onclick: () => setSelectMode(!selectMode) });
  const count = h("span", { class: "meta", id: "frames-count" });
  const selectedText = h("span", { id: "frames-selected-text", "aria-live": "polite" });
  const selectionBar = h("div", { class: "selection-bar", id: "frames-selection", hidden: true },
    selectedText,
    h("div", { class: "actions-row tight" },
      h("button", { type: "button", id: "frames-play", text: "Play in player", onclick: () => onPlay(selection.a, selection.b) }),
      can("operator") ? h("button", { type: "button", id: "frames-render", text: "Render selection", onclick: () => onRender(selection.a, selection.b) }) : null,
      can("operator") ? h("button", { type: "button", class: "danger", id: "frames-delete", text: "Delete…", onclick: () => removeSelection() }) : null,
      h("button", { type: "button", id: "frames-clear", text: "Clear", onclick: () => setSelectMode(false) })));
  const element = h("section", { class: "panel", id: "frames-panel", "aria-labelledby": "frames-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "frames-title", text: "Frames" }), count),
    h("div", { class: "frames-tools" },
      h("div", { class: "field" }, h("label", { for: "frames-date", text: "Go to day" }), date),
      h("div", { class: "field" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: "\u00a0" }), selectButton)),
    selectionBar, scroller);

  // ---------- layout ----------
  // cells: a frame position (≥ 0) or a gap mark before frame f (-(f + 1)); rows: a day's header or a run of cells;
  // tops: each row's y (one more: the total height). frameRow: the row of each frame.
  let L = null;
  const startDay = startedAt ? Date.parse(startedAt) / 1000 : null;
  function layout() {
    const width = sizer.clientWidth || scroller.clientWidth || 800;
    const minTile = width < 600 ? 84 : 150;  // three columns on a phone
    const cols = Math.max(2, Math.floor((width + GRID_GAP) / (minTile + GRID_GAP)));
    const tileWidth = (width - (cols - 1) * GRID_GAP) / cols;
    const rowHeight = tileWidth * 3 / 4 + GRID_GAP;
    const cells = [], rowKind = [], rowDay = [], rowStart = [];
    index.days.forEach((day, d) => {
      rowKind.push(0); rowDay.push(d); rowStart.push(cells.length);
      let inRow = cols;
      for (let i = day.start; i < day.end; i++) {
        for (const cell of index.gapBefore(i) ? [-(i + 1), i] : [i]) {
          if (inRow === cols) { rowKind.push(1); rowDay.push(d); rowStart.push(cells.length); inRow = 0; }
          cells.push(cell);
          inRow++;
        }
      }
    });
    rowStart.push(cells.length);
    const rows = rowKind.length, tops = new Float64Array(rows + 1), frameRow = new Int32Array(index.count);
    for (let r = 0; r < rows; r++) {
      tops[r + 1] = tops[r] + (rowKind[r] ? rowHeight : GRID_HEADER);
      if (rowKind[r]) for (let c = rowStart[r]; c < rowStart[r + 1]; c++) if (cells[c] >= 0) frameRow[cells[c]] = r;
    }
    L = { width, cols, rowHeight, cells: Int32Array.from(cells), rowKind, rowDay, rowStart, tops, frameRow, rows };
    sizer.style.height = `${tops[rows]}px`;
    sizer.style.setProperty("--cols", cols);
    for (const row of rendered.values()) row.remove();
    rendered.clear();
    stickyDay = -1;
    count.textContent = `${plural(index.count, "frame")} · ${plural(index.days.length, "day")}`;
    if (index.days.length) {
      date.min = index.days[0].key;
      date.max = index.days[index.days.length - 1].key;
    }
  }
  /// The row at height y (the last whose top is ≤ y).
  function rowAt(y) {
    const t = L.tops;
    let lo = 0, hi = L.rows - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (t[mid] <= y) lo = mid; else hi = mid - 1; }
    return lo;
  }

  // ---------- rows in the page ----------
  const rendered = new Map();   // row → element
  let active = 0;               // the tile that Tab reaches (roving tabindex)
  function dayHeader(d, tag = "h3") {
    const day = index.days[d];
    let gaps = 0;
    for (let i = day.start + 1; i < day.end; i++) if (index.gapBefore(i)) gaps++;
    // The outages over the local day, and its number (day 1: the timelapse's first, as the frames' names count).
    const midnight = index.times[day.start] - index.clockOf(day.start);
    const down = index.outages.filter((o) => o.from < day.endsAt && (o.to === null || o.to > midnight)).length;
    const number = startDay !== null ? Math.round((midnight - (startDay - zoneSecondsOf(startDay))) / 86400) + 1 : null;
    const facts = [number ? `Day ${number}` : null, plural(day.end - day.start, "frame"), gaps ? plural(gaps, "gap") : null,
      down ? `camera down ${down === 1 ? "once" : down + " times"}` : null].filter(Boolean);
    return h("div", { class: "day-header", "data-day": day.key },
      h(tag, { class: "day-title", text: index.dayText(d) }), h("span", { class: "meta", text: facts.join(" · ") }));
  }
  const zoneSecondsOf = (seconds) => { const c = zoneClock(index.clockFormat, seconds); return c.h * 3600 + c.m * 60 + c.s; };

  function tile(i) {
    const id = index.ids[i];
    const img = h("img", { alt: "", width: 200, height: 150, decoding: "async", draggable: "false" });
    img.addEventListener("load", () => img.classList.add("loaded"));
    const el = h("button", { type: "button", class: "frame", "data-image": id, "data-index": i, tabindex: i === active ? 0 : -1,
      "aria-label": `Frame ${index.dateText(i)}` }, img);
    paintSelected(el, i);
    const info = index.info.thumbnail.get(id);
    if (info) dress(el, info);
    return el;
  }
  function gapMark(i) {
    const seconds = index.times[i] - index.times[i - 1];
    return h("div", { class: "frame-gap", role: "note", "data-gap-seconds": Math.round(seconds),
      title: `No frame from ${index.dateText(i - 1)} to ${index.dateText(i)}` },
      h("span", { class: "gap-icon", "aria-hidden": "true", text: "⋯" }), `Gap of ${duration(seconds)}`,
      index.interval ? h("span", { class: "meta", text: `about ${Math.round(seconds / index.interval) - 1} frames missing` }) : null);
  }
  /// The ThumbHash as the tile's background at once, the thumbnail over it once loaded.
  function dress(el, info) {
    const placeholder = thumbHashURL(info.thumbhash);
    if (placeholder) el.style.backgroundImage = `url("${placeholder}")`;
    const img = el.firstChild;
    if (img.getAttribute("src") !== info.url) { img.classList.remove("loaded"); img.src = info.url; }
  }
  function row(r) {
    const top = L.tops[r];
    if (!L.rowKind[r]) {
      const el = dayHeader(L.rowDay[r]);
      el.style.top = `${top}px`;
      return el;
    }
    const cells = [];
    for (let c = L.rowStart[r]; c < L.rowStart[r + 1]; c++) cells.push(L.cells[c] >= 0 ? tile(L.cells[c]) : gapMark(-L.cells[c] - 1));
    return h("div", { class: "frames-row", style: `top: ${top}px; height: ${L.rowHeight - GRID_GAP}px` }, cells);
  }

  let stickyDay = -1;
  function render() {
    if (!L || !L.rows) { sizer.replaceChildren(); sticky.replaceChildren(); return; }
    const top = scroller.scrollTop, bottom = top + scroller.clientHeight;
    const day = L.rowDay[rowAt(top)];
    if (day !== stickyDay) { stickyDay = day; sticky.replaceChildren(dayHeader(day, "div")); }
    const first = Math.max(0, rowAt(top) - GRID_OVERSCAN), last = Math.min(L.rows - 1, rowAt(bottom) + GRID_OVERSCAN);
    for (const [r, el] of rendered) if (r < first || r > last) { el.remove(); rendered.delete(r); }
    for (let r = first; r <= last; r++) {
      if (rendered.has(r)) continue;
      const el = row(r);
      rendered.set(r, el);
      sizer.append(el);
    }
    // Tab always reaches a tile in view: the active one, else the first one shown.
    if (!sizer.querySelector('.frame[tabindex="0"]')) {
      const firstTile = sizer.querySelector(".frame");
      if (firstTile) { active = Number(firstTile.dataset.index); firstTile.tabIndex = 0; }
    }
    describeVisible();
  }
  let scheduled = 0;
  const renderSoon = () => { if (!scheduled) scheduled = requestAnimationFrame(() => { scheduled = 0; render(); }); };

  // The tiles' URLs and ThumbHashes, for what is in the page: one call at a time, then again for what is in the page
  // then (fast scrolling asks for the rows it stopped at, not every row it passed).
  let describing = false, again = false;
  async function describeVisible() {
    if (describing) { again = true; return; }
    const ids = [...sizer.querySelectorAll(".frame")].map((el) => Number(el.dataset.image)).filter((id) => !index.info.thumbnail.has(id));
    if (!ids.length) return;
    describing = true;
    try {
      const infos = await index.describe(ids, "thumbnail");
      for (const [id, info] of infos) for (const el of sizer.querySelectorAll(`.frame[data-image="${id}"]`)) dress(el, info);
    } catch (_) { /* the next scroll asks again */ } finally { describing = false; }
    if (again) { again = false; describeVisible(); }
  }

  // ---------- moving around ----------
  function scrollToRow(r, align = "start") {
    const top = L.tops[r], bottom = L.tops[r + 1], view = scroller.clientHeight;
    if (align === "start") scroller.scrollTop = top;
    else if (top < scroller.scrollTop + GRID_HEADER) scroller.scrollTop = top - GRID_HEADER;  // clear of the sticky header
    else if (bottom > scroller.scrollTop + view) scroller.scrollTop = bottom - view;
    render();
  }
  function focusFrame(i) {
    i = Math.max(0, Math.min(index.count - 1, i));
    const old = sizer.querySelector('.frame[tabindex="0"]');
    if (old) old.tabIndex = -1;
    active = i;
    scrollToRow(L.frameRow[i], "nearest");
    const el = sizer.querySelector(`.frame[data-index="${i}"]`);
    if (el) { el.tabIndex = 0; el.focus({ preventScroll: true }); }
  }
  /// The frame in the same column of the next (or previous) row of tiles.
  function verticalNeighbour(i, direction) {
    let r = L.frameRow[i];
    const column = [...L.cells.subarray(L.rowStart[r], L.rowStart[r + 1])].indexOf(i);
    do r += direction; while (r >= 0 && r < L.rows && !L.rowKind[r]);
    if (r < 0 || r >= L.rows) return i;
    const cell = L.cells[Math.min(L.rowStart[r] + column, L.rowStart[r + 1] - 1)];
    return cell >= 0 ? cell : -cell - 1;
  }
  date.addEventListener("change", () => {
    if (!date.value || !index.days.length) return;
    let d = index.days.findIndex((day) => day.key >= date.value);
    if (d < 0) d = index.days.length - 1;
    active = index.days[d].start;
    const headerRow = L.frameRow[index.days[d].start] - 1;
    scrollToRow(Math.max(0, headerRow));
    for (const el of sizer.querySelectorAll(".frame[tabindex='0']")) el.tabIndex = -1;
    const el = sizer.querySelector(`.frame[data-index="${active}"]`);
    if (el) el.tabIndex = 0;
  });
  sizer.addEventListener("keydown", (e) => {
    const el = e.target.closest(".frame");
    if (!el || e.altKey || e.ctrlKey || e.metaKey) return;
    const i = Number(el.dataset.index);
    const page = Math.max(1, Math.floor(scroller.clientHeight / L.rowHeight)) * L.cols;
    const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: index.count - 1, PageDown: i + page, PageUp: i - page };
    if (e.key in moves) { e.preventDefault(); focusFrame(moves[e.key]); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); focusFrame(verticalNeighbour(i, e.key === "ArrowDown" ? 1 : -1)); return; }
    if ((e.key === "Enter" || e.key === " ") && e.shiftKey) { e.preventDefault(); choose(i, true); }
  });
  sizer.addEventListener("click", (e) => {
    const el = e.target.closest(".frame");
    if (!el) return;
    const i = Number(el.dataset.index);
    const old = sizer.querySelector('.frame[tabindex="0"]');
    if (old) old.tabIndex = -1;
    el.tabIndex = 0;
    active = i;
    if (selectMode || e.shiftKey) choose(i, e.shiftKey); else onOpen(i);
  });
  scroller.addEventListener("scroll", renderSoon, { passive: true });
  let lastWidth = 0;
  const resize = new ResizeObserver(() => {
    const width = sizer.clientWidth;
    if (width === lastWidth) { renderSoon(); return; }  // taller or shorter: other rows in view
    if (!width) return;
    // In the page at last: the layout for its width, at the place asked. Later, a new width: the frame at the top
    // stays at the top (just under the sticky day header).
    const anchor = lastWidth && L.rows ? firstFrameInView() : null;
    lastWidth = width;
    layout();
    scroller.scrollTop = anchor !== null ? L.tops[L.frameRow[anchor]] - GRID_HEADER : scrollTop;
    render();
  });
  resize.observe(scroller);
  function firstFrameInView() {
    for (let r = rowAt(scroller.scrollTop); r < L.rows; r++) if (L.rowKind[r]) {
      const cell = L.cells[L.rowStart[r]];
      return cell >= 0 ? cell : -cell - 1;
    }
    return null;
  }

  // ---------- selection ----------
  let selectMode = false;
  const selection = { anchor: null, a: -1, b: -1 };
  function setSelectMode(on) {
    selectMode = on;
    selectButton.setAttribute("aria-pressed", String(on));
    if (!on) { selection.anchor = null; selection.a = selection.b = -1; }
    showSelection();
  }
  /// A click (or Enter) on frame i while selecting: a new first frame, or with Shift the range from the first to it.
  function choose(i, extend) {
    if (!selectMode) setSelectMode(true);
    if (extend && selection.anchor !== null) { selection.a = Math.min(selection.anchor, i); selection.b = Math.max(selection.anchor, i); }
    else { selection.anchor = i; selection.a = selection.b = i; }
    showSelection();
  }
  function paintSelected(el, i) {
    el.classList.toggle("selected", i >= selection.a && i <= selection.b && selection.a >= 0);
    if (selectMode) el.setAttribute("aria-pressed", String(el.classList.contains("selected"))); else el.removeAttribute("aria-pressed");
  }
  function showSelection() {
    for (const el of sizer.querySelectorAll(".frame")) paintSelected(el, Number(el.dataset.index));
    const any = selection.a >= 0;
    selectionBar.hidden = !selectMode;
    for (const b of selectionBar.querySelectorAll("button:not(#frames-clear)")) b.disabled = !any;
    selectedText.textContent = !any ? "Click the first frame, then Shift+click the last."
      : `${plural(selection.b - selection.a + 1, "frame")} selected: ${index.dateText(selection.a)} – ${index.dateText(selection.b)}`;
  }

  async function removeSelection() {
    if (selection.a < 0) return;
    const ids = index.ids.slice(selection.a, selection.b + 1);
    if (!confirm(`Delete ${plural(ids.length, "frame")} (${index.dateText(selection.a)} – ${index.dateText(selection.b)})? `
      + "Their files, thumbnails and smalls are removed for good.")) return;
    let done = 0, failed = 0;
    // A few at a time: the server deletes each frame's files and counts in one call.
    const worker = async () => {
      while (ids.length) {
        const id = ids.shift();
        try { await api.del(`/api/images/${id}`); done++; } catch (_) { failed++; }
        selectedText.textContent = `Deleting… ${done + failed} done${failed ? `, ${failed} failed` : ""}`;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    toast(`${plural(done, "frame")} deleted${failed ? `, ${failed} failed` : ""}`);
    setSelectMode(false);
    reload();
  }

  layout();
  return {
    element,
    /// After frames were added (live): the layout again, the view where it was.
    refresh() {
      const top = scroller.scrollTop, atBottom = top + scroller.clientHeight >= L.tops[L.rows] - 4;
      layout();
      scroller.scrollTop = atBottom && top > 0 ? L.tops[L.rows] : top;
      render();
    },
    /// A new thumbnail of frame `id` (thumbnail_job_completed): its URL and ThumbHash, on its tile if shown.
    updateThumb(id, url, thumbhash) {
      if (!url) return;
      index.remember("thumbnail", id, { url, thumbhash });
      for (const el of sizer.querySelectorAll(`.frame[data-image="${id}"]`)) dress(el, index.info.thumbnail.get(id));
    },
    scrollTop: () => scroller.scrollTop,
    leave() { resize.disconnect(); if (scheduled) cancelAnimationFrame(scheduled); },
  };
}
