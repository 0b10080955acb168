// Timelapser dashboard: the film-strip player of the timelapse page. It plays the frames' smalls as a movie on a canvas
// (thumbnails while the scrubber moves fast, the ThumbHash before either arrives), at a chosen speed, over a range or
// one frame a day at a chosen time, and turns what it plays into a render (POST /api/timelapses/{id}/videos).
// Frames ahead of the play head come through the batch endpoint with their bytes inline, are decoded to ImageBitmaps
// and held within a budget: the ones furthest from the play head are closed first. Its counters (frames shown,
// dropped, late, held) are on `window.timelapserPlayer.stats()` for the tests and the bench.
"use strict";

const PLAYER_BUDGET = 96;                   // decoded frames held by default: 4 s at 24 fps
const PLAYER_MAX_BYTES = 160 * 1024 * 1024; // and never more pixels than this, whatever the budget
const PLAYER_BATCH = 24;                    // frames per inline batch call
const PLAYER_MAX_WIDTH = 800;               // the small's width: the canvas never needs more
const PLAYER_FAST_SCRUB_MS = 150;           // scrubber moves closer together than this show thumbnails

/// The player of `index` (a FrameIndex) for timelapse `timelapseId`; `first`: an image object (its shape sizes the
/// canvas before anything is drawn); `autoplay`: whether it starts playing (never when motion is to be reduced).
/// Returns {element, leave, refresh, setRange, playRange, render}.
function filmPlayer(index, { timelapseId, first, autoplay = true }) {
  const reduced = matchMedia("(prefers-reduced-motion: reduce)");
  const width = first && first.width ? Math.min(PLAYER_MAX_WIDTH, first.width) : PLAYER_MAX_WIDTH;
  const height = Math.round(first && first.width ? width * first.height / first.width : width * 9 / 16);
  const canvas = h("canvas", { id: "player-canvas", width, height, tabindex: 0, role: "img", "aria-label": "Frame",
    style: `aspect-ratio: ${width} / ${height}` });
  const context = canvas.getContext("2d");
  const track = h("canvas", { class: "player-track", "aria-hidden": "true", height: 18 });
  const scrubber = h("input", { type: "range", id: "player-scrubber", min: 0, max: Math.max(0, index.count - 1), step: 1, value: 0,
    "aria-label": "Position in the timelapse" });
  const position = h("span", { class: "player-position", id: "player-position" });
  const button = (id, text, label, onclick) => h("button", { type: "button", id, "aria-label": label, title: label, onclick }, text);
  const playButton = button("player-play", "▶ Play", "Play (Space)", () => toggle());
  const speed = h("input", { id: "player-speed", type: "number", min: 0.1, max: 120, step: "any", value: 24, inputmode: "decimal" });
  const unit = h("select", { id: "player-speed-unit", "aria-label": "Speed unit" },
    h("option", { value: "fps", text: "frames/s" }), h("option", { value: "day", text: "s per day" }));
  const sameTime = h("input", { id: "player-same-time", type: "checkbox" });
  const clockTime = h("input", { id: "player-time", type: "time", value: "12:00", disabled: true });
  const rangeText = h("span", { class: "meta", id: "player-range" });
  const renderButton = can("operator") ? h("button", { type: "button", class: "primary", id: "player-render", text: "Render this",
    title: "Render the range played, at this speed, as a video", onclick: () => render(range.a, range.b) }) : null;
  const element = h("section", { class: "panel player", id: "player", "aria-labelledby": "player-title", "data-budget": PLAYER_BUDGET },
    h("div", { class: "panel-head" }, h("h2", { id: "player-title", text: "Player" }),
      h("span", { class: "meta", text: index.zone && index.zone !== Intl.DateTimeFormat().resolvedOptions().timeZone ? `Times in ${index.zone}` : "" })),
    // The stage is as wide as the frame may be at most 62 % of the window's height: a whole frame in view, no bars.
    h("div", { class: "player-stage", style: `max-width: calc(62vh * ${width} / ${height})` }, canvas),
    h("div", { class: "player-scrub" }, track, scrubber),
    h("div", { class: "player-controls" },
      button("player-prev-day", "« Day", "Previous day (Shift+←)", () => stepDay(-1)),
      button("player-prev", "◀", "Previous frame (←)", () => step(-1)),
      playButton,
      button("player-next", "▶", "Next frame (→)", () => step(1)),
      button("player-next-day", "Day »", "Next day (Shift+→)", () => stepDay(1)),
      position),
    h("div", { class: "player-options" },
      h("div", { class: "field" }, h("label", { for: "player-speed", text: "Speed" }), h("div", { class: "pair" }, speed, unit)),
      h("div", { class: "field" }, h("label", { for: "player-time", text: "Same time every day" }),
        h("div", { class: "pair" }, h("label", { class: "inline-check", for: "player-same-time" }, sameTime, "One frame a day at"), clockTime)),
      h("div", { class: "field" }, h("span", { class: "label-spacer", text: "Range" }),
        h("div", { class: "actions-row tight" },
          h("button", { type: "button", id: "player-range-start", text: "Start here", onclick: () => setRange(frameAt(pos), range.b) }),
          h("button", { type: "button", id: "player-range-end", text: "End here", onclick: () => setRange(range.a, frameAt(pos)) }),
          h("button", { type: "button", id: "player-range-all", text: "Whole", onclick: () => setRange(0, index.count - 1) }))),
      h("div", { class: "field grow" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: "\u00a0" }), rangeText),
      renderButton ? h("div", { class: "field" }, h("span", { class: "label-spacer", "aria-hidden": "true", text: "\u00a0" }), renderButton) : null));

  // ---------- what is played ----------
  // The range [a, b] (frame positions) and, in "same time every day" mode, the frames picked in it (`picks`);
  // `pos` is the play head: a position in the played sequence.
  const range = { a: 0, b: Math.max(0, index.count - 1) };
  let picks = null, pos = 0;
  const length = () => picks ? picks.length : range.b - range.a + 1;
  const frameAt = (p) => picks ? picks[p] : range.a + p;
  function positionOf(frame) {
    if (!picks) return Math.min(length() - 1, Math.max(0, frame - range.a));
    const p = lowerBound(picks, frame);
    if (p >= picks.length) return picks.length - 1;
    return p > 0 && frame - picks[p - 1] < picks[p] - frame ? p - 1 : p;
  }
  function choose() {
    const frame = index.count ? frameAt(Math.min(pos, length() - 1)) : 0;
    picks = sameTime.checked && index.count ? index.sameTimeEveryDay(clockTime.value || "12:00", range.a, range.b) : null;
    pos = length() ? positionOf(frame) : 0;
    rangeText.textContent = !index.count ? "No frames yet."
      : `${plural(length(), "frame")}${picks ? " (one a day)" : ""}: ${index.dateText(range.a)} – ${index.dateText(range.b)}`;
    drawTrack();
  }
  function setRange(a, b) {
    if (!index.count) return;
    range.a = Math.max(0, Math.min(a, b));
    range.b = Math.min(index.count - 1, Math.max(a, b));
    choose();
    show(pos);
  }

  /// Frames per second: as typed, or "a day in N seconds" (the range's frames per day, or one a day, in N s).
  function fps() {
    const value = Math.max(0.1, Number(speed.value) || (unit.value === "fps" ? 24 : 10));
    if (unit.value === "fps") return Math.min(120, value);
    const days = Math.max(1, index.dayOf(range.b) - index.dayOf(range.a) + 1);
    return Math.min(120, Math.max(0.1, (picks ? 1 : length() / days) / value));
  }

  // ---------- decoded frames ----------
  // What goes first is what is furthest from the play head (behind it before ahead of it; frames not played first).
  let left = false;
  const stats = { shown: 0, dropped: 0, late: 0, evicted: 0, painted: "none", imageId: null, frame: 0 };
  const bitmaps = frameBitmaps(PLAYER_BUDGET, PLAYER_MAX_BYTES, (entry, key, budget) => {
    const rel = positionOf(entry.frame) - pos;
    const inPlay = frameAt(positionOf(entry.frame)) === entry.frame;
    return (!inPlay ? 1e9 : rel >= 0 ? rel : budget + -rel) + (key[0] === "t" ? 0.5 : 0);
  }, () => stats.evicted++);
  const held = bitmaps.held, loading = new Set();
  const keep = bitmaps.keep, releaseAll = bitmaps.releaseAll;

  async function decode(blob, kind) {
    // Smalls at the canvas's size (a missing small falls back to the full frame: never decoded bigger than shown).
    return kind === "s" ? createImageBitmap(blob, { resizeWidth: width, resizeHeight: height, resizeQuality: "medium" }) : createImageBitmap(blob);
  }
  function bytesOf(base64) {
    const text = atob(base64), bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  /// One frame's variant through its versioned URL (the browser's cache keeps it): the scrubber's and the steps' path.
  async function load(frame, kind) {
    const key = kind + frame;
    if (held.has(key) || loading.has(key)) return;
    loading.add(key);
    try {
      const id = index.ids[frame], size = kind === "s" ? "small" : "thumbnail";
      const info = (await index.describe([id], size)).get(id);
      if (!info || left) return;
      const response = await fetch(info.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const bitmap = await decode(await response.blob(), kind);
      if (left) { bitmap.close(); return; }
      keep(key, frame, bitmap);
      if (frameAt(pos) === frame) paint(pos);
    } catch (_) { /* a frame deleted meanwhile: its place stays the placeholder */ } finally { loading.delete(key); }
  }

  // ---------- prefetch ----------
  let prefetching = false, retry = 0;
  /// Smalls ahead of the play head, in batches with their bytes inline, as far as the budget allows (and a few s).
  async function prefetch() {
    if (prefetching || retry || left || !index.count) return;
    const budget = bitmaps.budget(), behind = Math.min(8, Math.floor(budget / 4));
    const ahead = Math.max(1, Math.min(budget - behind, Math.ceil(fps() * (playing ? 5 : 1)) + 2, 240));
    const want = [];
    let buffered = -1;  // how far ahead every frame is there
    for (let p = pos; p < Math.min(length(), pos + ahead) && want.length < PLAYER_BATCH; p++) {
      const frame = frameAt(p);
      if (!held.has("s" + frame) && !loading.has("s" + frame)) want.push(frame);
      else if (!want.length) buffered = p - pos;
    }
    // One call for a batch's worth, unless the frames there are run short: not a call per frame as the head moves.
    if (!want.length || (want.length < PLAYER_BATCH && buffered > ahead / 2 && pos + ahead < length())) return;
    prefetching = true;
    let failed = false;
    for (const frame of want) loading.add("s" + frame);
    try {
      const items = await index.fetchInline(want.map((f) => index.ids[f]), "small");
      const bitmaps = await Promise.all(items.map(async (item) => {
        try { return [item.image_id, await decode(new Blob([bytesOf(item.data)], { type: "image/jpeg" }), "s")]; } catch (_) { return null; }
      }));
      for (const pair of bitmaps) {
        if (!pair) continue;
        const [id, bitmap] = pair;
        const frame = index.positionOf.get(id);
        // Played past it meanwhile, or the play head moved elsewhere: not worth a place.
        const p = frame === undefined ? -1 : positionOf(frame);
        if (left || frameAt(p) !== frame || p < pos - behind || p >= pos + ahead) { bitmap.close(); continue; }
        keep("s" + frame, frame, bitmap);
      }
    } catch (_) { failed = true; } finally {
      for (const frame of want) loading.delete("s" + frame);
      prefetching = false;
    }
    if (left) return;
    if (!held.has("s" + frameAt(pos))) paint(pos);
    // On to the next batch; after a failure (the server away, a frame deleted) in a second, not at once.
    if (failed) retry = setTimeout(() => { retry = 0; prefetch(); }, 1000);
    else prefetch();
  }

  // ---------- painting ----------
  // What the canvas shows: "s5" (frame 5's small), "t5" (its thumbnail), "h5" (its ThumbHash), null (nothing yet).
  let shownKey = null;
  const RANK = { h: 1, t: 2, s: 3 };
  /// Draws position `p` as well as it can: its small, else its thumbnail, else its ThumbHash (never a worse picture of
  /// the frame over a better one); true when the small is there.
  function paint(p) {
    const frame = frameAt(p), id = index.ids[frame];
    const entry = held.get("s" + frame) || held.get("t" + frame);
    const best = entry ? (held.has("s" + frame) ? "s" : "t") + frame : "h" + frame;
    const same = shownKey && shownKey.slice(1) === String(frame);
    if (!same || RANK[best[0]] > RANK[shownKey[0]]) {
      if (entry) { context.drawImage(entry.bitmap, 0, 0, width, height); shownKey = best; }
      else if (drawThumbHash(context, index.thumbhashOf(id), width, height)) shownKey = best;
      // else: nothing of this frame yet; the picture there was stays until something comes
    }
    const shows = shownKey && shownKey.slice(1) === String(frame);
    stats.painted = shows ? { s: "small", t: "thumbnail", h: "thumbhash" }[shownKey[0]] : shownKey ? "previous" : "none";
    if (shows) stats.imageId = id;
    return best[0] === "s";
  }

  /// Moves the play head to `p` and shows it (loading what is missing), with the scrubber and texts following;
  /// `fast` (the scrubber moving quickly): its thumbnail first, the small once the scrubber rests.
  let settle = 0;
  function show(p, { fast = false } = {}) {
    if (!index.count) { position.textContent = "No frames yet."; return; }
    pos = Math.max(0, Math.min(length() - 1, p));
    const frame = frameAt(pos);
    stats.frame = frame;
    scrubber.value = frame;
    const when = index.dateText(frame);
    scrubber.setAttribute("aria-valuetext", `${when}, frame ${frame + 1} of ${index.count}`);
    position.textContent = `${when} · ${picks ? `day ${pos + 1} of ${picks.length}` : `frame ${frame + 1} of ${index.count}`}`;
    if (!playing) canvas.setAttribute("aria-label", `Frame of ${when}`);
    if (!paint(pos)) {
      if (fast) {
        if (!held.has("t" + frame)) index.describe([index.ids[frame]], "thumbnail").then(() => { if (frameAt(pos) === frame) paint(pos); load(frame, "t"); }, () => {});
        clearTimeout(settle);
        settle = setTimeout(() => { if (frameAt(pos) === frame) load(frame, "s"); }, PLAYER_FAST_SCRUB_MS);
      } else if (!playing) {
        index.describe([index.ids[frame]], "small").then(() => { if (frameAt(pos) === frame) paint(pos); }, () => {});
        load(frame, "s");
      }
    }
    if (!fast) prefetch();
  }

  // ---------- playing ----------
  // A frame is due every 1/fps s. When the next one is not decoded yet the clock waits for it (a late frame, counted);
  // when the page could not draw for longer than a frame (a busy tab) the frames passed over are counted as dropped.
  let playing = false, raf = 0, last = 0, due = 0, waiting = -1;
  function tick(now) {
    raf = 0;
    if (!playing || left) return;
    due += (now - last) * fps() / 1000;
    last = now;
    let steps = Math.floor(due);
    if (steps >= 1) {
      if (pos + steps >= length()) steps = length() - 1 - pos;
      if (steps <= 0) { pause(); return; }
      const target = pos + steps;
      if (held.has("s" + frameAt(target))) {
        stats.dropped += steps - 1;
        stats.shown++;
        due -= steps;
        waiting = -1;
        show(target);
        if (pos >= length() - 1) { pause(); return; }
      } else {
        // Wait at the frame due next; the clock does not run ahead meanwhile.
        if (waiting !== pos + 1) { stats.late++; waiting = pos + 1; }
        due = Math.min(due, 1);
        prefetch();
      }
    }
    raf = requestAnimationFrame(tick);
  }
  function play() {
    if (playing || !index.count) return;
    if (pos >= length() - 1) show(0);
    playing = true;
    last = performance.now();
    due = 0;
    waiting = -1;
    playButton.textContent = "❚❚ Pause";
    playButton.setAttribute("aria-label", "Pause (Space)");
    playButton.title = "Pause (Space)";
    prefetch();
    raf = requestAnimationFrame(tick);
  }
  function pause() {
    playing = false;
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
    playButton.textContent = "▶ Play";
    playButton.setAttribute("aria-label", "Play (Space)");
    playButton.title = "Play (Space)";
    if (index.count) canvas.setAttribute("aria-label", `Frame of ${index.dateText(frameAt(pos))}`);
  }
  const toggle = () => playing ? pause() : play();
  function step(n) { pause(); show(pos + n); }
  /// To the first played frame of the next (or this, going back mid-day: its first) day.
  function stepDay(n) {
    pause();
    const day = index.dayOf(frameAt(pos));
    let target;
    if (n > 0) target = day + 1 < index.days.length ? index.days[day + 1].start : index.count - 1;
    else target = frameAt(pos) > index.days[day].start && !picks ? index.days[day].start : index.days[Math.max(0, day - 1)].start;
    show(positionOf(Math.max(range.a, Math.min(range.b, target))));
  }

  // ---------- the scrubber's marks (playertrack.js) ----------
  function drawTrack() { drawPlayerTrack(track, element, index, range); }

  // ---------- rendering ----------
  /// Frames a to b as a render at the player's speed (one a day at its time, in that mode): "Render this" renders
  /// the range, the grid's "Render selection" its selection.
  function render(a, b) {
    if (!index.count) return;
    // [from, to): frame a's and b's capture times (whole seconds; the server keeps at most one frame a second).
    const body = { name: "clip", fps: Number(Math.min(120, Math.max(1, fps())).toFixed(2)),
      from: new Date(Math.floor(index.times[a]) * 1000).toISOString(),
      to: new Date((Math.floor(index.times[b]) + 1) * 1000).toISOString() };
    if (picks) body.per_day = { count: 1, near: clockTime.value || "12:00" };
    return renderVideo(timelapseId, body);
  }

  // ---------- events ----------
  let lastScrub = 0;
  scrubber.addEventListener("input", () => {
    const now = performance.now(), fast = now - lastScrub < PLAYER_FAST_SCRUB_MS;
    lastScrub = now;
    if (playing) pause();
    show(positionOf(Number(scrubber.value)), { fast });
  });
  scrubber.addEventListener("change", () => show(positionOf(Number(scrubber.value))));
  unit.addEventListener("change", () => { speed.value = unit.value === "fps" ? 24 : 10; speed.max = unit.value === "fps" ? 120 : 3600; });
  sameTime.addEventListener("change", () => { clockTime.disabled = !sameTime.checked; choose(); show(pos); });
  clockTime.addEventListener("change", () => { if (sameTime.checked && clockTime.value) { choose(); show(pos); } });

  // Space plays or pauses, ← → step a frame, Shift+← → a day, while the focus is in the player (elsewhere the keys
  // scroll the page), but not in a field that types, nor Space on a button or checkbox (it presses them).
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    if (t.closest("input:not([type=range]):not([type=checkbox]), select, textarea")) return;
    if (e.key === " " && t.tagName !== "BUTTON" && t.type !== "checkbox") { e.preventDefault(); toggle(); }
    else if ((e.key === "ArrowRight" || e.key === "ArrowLeft") && t.type !== "checkbox") {
      e.preventDefault();  // the scrubber would move a frame too
      const n = e.key === "ArrowRight" ? 1 : -1;
      if (e.shiftKey) stepDay(n); else step(n);
    }
  }
  element.addEventListener("keydown", onKey);
  const resize = new ResizeObserver(() => drawTrack());
  resize.observe(track);
  const motion = () => { if (reduced.matches) pause(); };
  reduced.addEventListener("change", motion);
  const scheme = matchMedia("(prefers-color-scheme: dark)");  // the marks' colours follow the page's
  scheme.addEventListener("change", drawTrack);

  // For the tests and the bench: the counters, the budget, the controls. stats(): index (the frame at the play head),
  // imageId (the frame the canvas shows), painted (small, thumbnail, thumbhash; "previous": still the frame before),
  // shown (frames painted while playing), dropped (due but passed over), late (waited for), held and bytes (decoded
  // frames kept), evicted (closed), position and length (in what is played), budget, fps, playing.
  const handle = {
    element,
    stats: () => ({ ...stats, index: stats.frame, position: pos, length: length(), playing, fps: fps(), held: held.size, bytes: bitmaps.bytes(),
      budget: bitmaps.budget(), loading: loading.size }),
    setBudget(frames) { bitmaps.setBudget(frames); element.dataset.budget = bitmaps.budget(); },
    play, pause, seek: (frame) => show(positionOf(frame)), step, stepDay,
  };
  window.timelapserPlayer = handle;

  choose();
  show(0);
  // Autoplay, once, from the start, unless motion is to be reduced.
  if (autoplay && !reduced.matches && index.count > 1) play();

  return {
    element,
    setRange,
    render,
    /// Plays frames a to b from a, the player in view and focused (the grid's "Play in player").
    playRange(a, b) {
      setRange(a, b);
      show(0);
      element.scrollIntoView({ block: "nearest", behavior: reduced.matches ? "auto" : "smooth" });
      canvas.focus({ preventScroll: true });
      play();
    },
    /// New frames (live): the range grows with them when it ended at the last frame.
    refresh() {
      const atEnd = range.b >= Number(scrubber.max);
      scrubber.max = Math.max(0, index.count - 1);
      if (atEnd) range.b = Math.max(0, index.count - 1);
      choose();
      if (!playing) show(pos);
    },
    leave() {
      left = true;
      pause();
      clearTimeout(settle);
      clearTimeout(retry);
      reduced.removeEventListener("change", motion);
      scheme.removeEventListener("change", drawTrack);
      resize.disconnect();
      releaseAll();
      if (window.timelapserPlayer === handle) window.timelapserPlayer = null;
    },
  };
}
