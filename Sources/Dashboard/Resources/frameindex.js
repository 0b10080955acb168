// Timelapser dashboard: a timelapse's frames for the player and the grid. One call (GET /api/timelapses/{id}/timeline)
// gives every frame's id and capture time, so neither pages through the images; this splits them into the camera's
// local days and finds gaps. What a frame looks like (its versioned URL and ThumbHash) comes from the batch endpoint,
// only for the frames on screen or about to be played, and is kept in a bounded cache.
"use strict";

const BATCH_LIMIT = 100;          // ids per batch call (the server's limit)
const FRAME_INFO_LIMIT = 20000;   // cached {url, thumbhash} per variant: a few MB at most

/// Clock parts of `seconds` (unix) in `zone`: {key: "2026-03-01", h, m, s}.
function zoneClock(format, seconds) {
  const parts = {};
  for (const p of format.formatToParts(new Date(seconds * 1000))) parts[p.type] = p.value;
  return { key: `${parts.year}-${parts.month}-${parts.day}`, h: Number(parts.hour) % 24, m: Number(parts.minute), s: Number(parts.second) };
}

/// A binary search: the first position of the sorted `list` whose value is ≥ `value` (list.length when none).
function lowerBound(list, value) {
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid] < value) lo = mid + 1; else hi = mid; }
  return lo;
}

class FrameIndex {
  /// `timeline`: the /timeline answer; `zone`: the camera's IANA time zone (its days and clock times).
  constructor(timelapseId, timeline, zone) {
    this.timelapseId = timelapseId;
    this.ids = Array.from(timeline.image_ids);
    this.times = Array.from(timeline.captured_at);
    this.interval = timeline.capture_interval_seconds || null;
    this.outages = (timeline.outages || []).map((o) => ({ from: Date.parse(o.started_at) / 1000, to: o.ended_at ? Date.parse(o.ended_at) / 1000 : null }));
    try { new Intl.DateTimeFormat([], { timeZone: zone || undefined }); this.zone = zone || undefined; } catch (_) { this.zone = undefined; }
    this.clockFormat = new Intl.DateTimeFormat("en-CA", { timeZone: this.zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    this.info = { thumbnail: new Map(), small: new Map() };
    this.pending = { thumbnail: new Map(), small: new Map() };
    this.positionOf = new Map();
    this.ids.forEach((id, i) => this.positionOf.set(id, i));
    this.splitDays(0);
  }

  get count() { return this.ids.length; }

  /// Splits frames from `from` on into local days: `days[d] = {key, start, end}` (frame positions, end exclusive).
  /// Only a frame past the current day's end needs the time zone, so a year of frames costs a few hundred look-ups.
  splitDays(from) {
    if (from === 0) this.days = [];
    else if (this.days.length) { this.days[this.days.length - 1].end = from; }
    let day = this.days[this.days.length - 1] || null, dayEnd = day ? day.endsAt : -Infinity;
    for (let i = from; i < this.times.length; i++) {
      const t = this.times[i];
      if (day && t < dayEnd) { day.end = i + 1; continue; }
      const clock = zoneClock(this.clockFormat, t);
      if (day && clock.key === day.key) { day.end = i + 1; continue; }
      // The next local midnight; on days when the clock changes (23 or 25 hours) one hour off, then set right.
      let next = t - (clock.h * 3600 + clock.m * 60 + clock.s) + 86400;
      const at = zoneClock(this.clockFormat, next).h;
      if (at === 23) next += 3600; else if (at === 1) next -= 3600;
      day = { key: clock.key, start: i, end: i + 1, endsAt: next };
      dayEnd = next;
      this.days.push(day);
    }
    this.dayStarts = this.days.map((d) => d.start);
  }

  /// Frames captured since the index was made (live): appended when they are newer than the last one.
  append(id, seconds) {
    if (this.positionOf.has(id) || (this.count && seconds <= this.times[this.count - 1])) return false;
    this.positionOf.set(id, this.count);
    this.ids.push(id);
    this.times.push(seconds);
    this.splitDays(Math.max(0, this.count - 1));
    return true;
  }

  /// The day (its position in `days`) of frame `i`.
  dayOf(i) { return Math.max(0, lowerBound(this.dayStarts, i + 1) - 1); }
  /// The position of the first frame captured at or after `seconds`.
  atOrAfter(seconds) { return lowerBound(this.times, seconds); }
  /// The frame nearest to `seconds`.
  nearest(seconds) {
    const i = Math.min(this.count - 1, lowerBound(this.times, seconds));
    return i > 0 && Math.abs(this.times[i - 1] - seconds) <= Math.abs(this.times[i] - seconds) ? i - 1 : i;
  }
  /// Seconds since local midnight of frame `i`.
  clockOf(i) { const c = zoneClock(this.clockFormat, this.times[i]); return c.h * 3600 + c.m * 60 + c.s; }

  /// Per local day, the frame nearest to the clock time `hhmm` ("12:00"), within positions [from, to]: the frames of
  /// "same time every day" and of a render's `per_day: {count: 1, near}`.
  sameTimeEveryDay(hhmm, from = 0, to = this.count - 1) {
    const [hours, minutes] = hhmm.split(":").map(Number);
    const wanted = hours * 3600 + minutes * 60;
    const picks = [];
    for (const day of this.days) {
      const start = Math.max(day.start, from), end = Math.min(day.end, to + 1);
      if (start >= end) continue;
      // The local midnight of the day, from its first frame; then the frame nearest to midnight + wanted.
      const midnight = this.times[day.start] - this.clockOf(day.start);
      let best = start, distance = Infinity;
      const guess = Math.min(end - 1, Math.max(start, this.nearest(midnight + wanted)));
      for (const i of [guess - 1, guess, guess + 1]) {
        if (i < start || i >= end) continue;
        const d = Math.abs(this.times[i] - (midnight + wanted));
        if (d < distance) { distance = d; best = i; }
      }
      picks.push(best);
    }
    return Int32Array.from(picks);
  }

  /// Whether the step from frame i - 1 to frame i is a gap: 3 capture intervals, and a minute, or more.
  gapBefore(i, interval = this.interval) {
    if (i <= 0 || !interval) return 0;
    const seconds = this.times[i] - this.times[i - 1];
    return seconds > Math.max(3 * interval, 60) ? seconds : 0;
  }

  /// Date texts in the camera's zone.
  dateText(i, options = { dateStyle: "medium", timeStyle: "short" }) {
    return new Date(this.times[i] * 1000).toLocaleString([], { ...options, timeZone: this.zone });
  }
  dayText(d) {
    return new Date(this.times[this.days[d].start] * 1000).toLocaleDateString([], { weekday: "short", year: "numeric", month: "short", day: "numeric", timeZone: this.zone });
  }
  iso(i) { return new Date(this.times[i] * 1000).toISOString(); }

  /// {url, thumbhash} of the `size` variant of each id (a Map by id), from the cache or the batch endpoint.
  async describe(ids, size) {
    const cache = this.info[size], pending = this.pending[size];
    const wanted = ids.filter((id) => !cache.has(id) && !pending.has(id));
    for (let i = 0; i < wanted.length; i += BATCH_LIMIT) {
      const chunk = wanted.slice(i, i + BATCH_LIMIT);
      const call = api.get(`/api/images/batch?ids=${chunk.join(",")}&size=${size}`).then((answer) => {
        for (const item of answer.images) this.remember(size, item.image_id, item);
      }).finally(() => { for (const id of chunk) pending.delete(id); });
      for (const id of chunk) pending.set(id, call);
    }
    await Promise.all(new Set(ids.map((id) => pending.get(id)).filter(Boolean)));
    const out = new Map();
    for (const id of ids) if (cache.has(id)) out.set(id, cache.get(id));
    return out;
  }

  /// The batch items of `ids` with their bytes (`inline=true`: one answer instead of one request per frame).
  async fetchInline(ids, size) {
    const answer = await api.get(`/api/images/batch?ids=${ids.join(",")}&size=${size}&inline=true`);
    for (const item of answer.images) this.remember(size, item.image_id, item);
    return answer.images;
  }

  remember(size, id, item) {
    const cache = this.info[size];
    cache.delete(id);
    cache.set(id, { url: item.url, thumbhash: item.thumbhash || null });
    if (cache.size > FRAME_INFO_LIMIT) cache.delete(cache.keys().next().value);
  }

  /// A frame's ThumbHash from either variant's answer (they come from the same picture).
  thumbhashOf(id) {
    const a = this.info.thumbnail.get(id), b = this.info.small.get(id);
    return (a && a.thumbhash) || (b && b.thumbhash) || null;
  }
}

/// The frame index of timelapse `id` (its camera's zone: the camera's own, else the `timezone` setting).
async function loadFrameIndex(id, camera) {
  let zone = camera && camera.timezone;
  const [timeline, settings] = await Promise.all([
    api.get(`/api/timelapses/${id}/timeline`),
    zone ? null : api.get("/api/settings").catch(() => null)]);
  if (!zone && settings) zone = settings.timezone;
  return new FrameIndex(id, timeline, zone);
}
