// Timelapser dashboard: DOM and formatting helpers shared by every page (element builder, toast, dates, sizes).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const main = () => $("#main");

function toast(message) {
  const el = $("#toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 4000);
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c.nodeType ? c : String(c));
  return el;
}

const when = (iso) => iso ? new Date(iso).toLocaleString() : "never";
const mb = (n) => (n === undefined || n === null) ? "–" : Number(n).toFixed(1) + " MB";
/// A byte count for people: "512 B", "48.7 KB", "1.3 GB" (1024-based, like `mb`).
function bytesText(n) {
  if (n === undefined || n === null) return "–";
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let value = Number(n), i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) { value /= 1024; i++; }
  return i === 0 ? `${value} B` : `${value.toFixed(1)} ${units[i]}`;
}
/// A rough duration for estimates: "8 s", "12 min", "2.5 h".
function aboutTime(seconds) {
  const s = Number(seconds) || 0;
  return s < 60 ? `${Math.max(1, Math.round(s))} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}
/// "1 frame", "3 frames".
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
