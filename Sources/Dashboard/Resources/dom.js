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
