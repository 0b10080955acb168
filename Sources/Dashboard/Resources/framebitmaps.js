// Timelapser dashboard: the decoded frames the film-strip player holds (player.js), within a budget of frames and of
// bytes. Keys are "s{frame}" for a small, "t{frame}" for a thumbnail; each entry is {bitmap, bytes, frame}. When over
// budget, the entry the player's `score(entry, key, budget)` rates highest (the furthest from the play head) is closed
// first, so memory stays bounded however long it plays.
"use strict";

/// A bounded store of ImageBitmaps: `budget` frames at most and never more than `maxBytes` of pixels.
function frameBitmaps(budget, maxBytes, score, onEvict) {
  const held = new Map();
  let bytes = 0;
  function trim() {
    while (held.size > budget || (bytes > maxBytes && held.size > 1)) {
      let victim = null, worst = -Infinity;
      for (const [key, entry] of held) {
        const s = score(entry, key, budget);
        if (s > worst) { worst = s; victim = key; }
      }
      const entry = held.get(victim);
      entry.bitmap.close();
      bytes -= entry.bytes;
      held.delete(victim);
      onEvict();
    }
  }
  return {
    held,
    budget: () => budget,
    bytes: () => bytes,
    setBudget(frames) { budget = Math.max(1, Math.floor(frames)); trim(); },
    /// Keeps a decoded frame (replacing one of the same key), then trims to the budget.
    keep(key, frame, bitmap) {
      const old = held.get(key);
      if (old) { bytes -= old.bytes; old.bitmap.close(); held.delete(key); }
      const size = bitmap.width * bitmap.height * 4;
      held.set(key, { bitmap, bytes: size, frame });
      bytes += size;
      trim();
    },
    releaseAll() {
      for (const entry of held.values()) entry.bitmap.close();
      held.clear();
      bytes = 0;
    },
  };
}
