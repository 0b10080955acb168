// Timelapser dashboard: the marks under the film-strip player's scrubber (player.js): alternating day bands, capture
// gaps, camera outages and the range being played, drawn on a canvas in the page's colours (light or dark).
"use strict";

/// Draws `index`'s days, gaps and outages and `range` ({a, b}, frame positions) on `track`, a canvas under the
/// scrubber; colours come from `element`'s CSS variables.
function drawPlayerTrack(track, element, index, range) {
  const w = track.clientWidth;
  if (!w || !index.count) return;
  const ratio = devicePixelRatio || 1;
  track.width = Math.round(w * ratio);
  track.height = Math.round(18 * ratio);
  const c = track.getContext("2d");
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  const style = getComputedStyle(element);
  const colour = (name) => style.getPropertyValue(name).trim();
  // The slider's thumb stops half its width from each end: the marks follow the same span.
  const inset = 8, span = Math.max(1, w - 2 * inset);
  const x = (frame) => inset + (index.count > 1 ? frame / (index.count - 1) : 0.5) * span;
  c.clearRect(0, 0, w, 18);
  index.days.forEach((day, d) => {
    c.fillStyle = colour(d % 2 ? "--track-b" : "--track-a");
    c.fillRect(x(day.start) - (d ? 0 : inset), 4, x(Math.min(index.count - 1, day.end)) - x(day.start) + (d === index.days.length - 1 ? inset : 0), 10);
  });
  c.fillStyle = colour("--range");
  c.fillRect(x(range.a), 15, Math.max(2, x(range.b) - x(range.a)), 3);
  c.fillStyle = colour("--gap");
  for (let i = 1; i < index.count; i++) if (index.gapBefore(i)) c.fillRect(x(i) - 1, 0, 3, 14);
  c.fillStyle = colour("--bad");
  for (const o of index.outages) c.fillRect(x(Math.min(index.count - 1, index.atOrAfter(o.from))) - 1, 0, 3, 18);
}
