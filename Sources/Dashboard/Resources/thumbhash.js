// Timelapser dashboard: ThumbHash placeholders. The server sends each variant's ThumbHash (about 25 bytes, standard
// base64) with image JSON, batch items and thumbnail events; this paints it at once as a tiny blurred picture, so a
// tile or the player is never blank while the real image loads. The format is Evan Wallace's ThumbHash: a header of
// average colour, scales and shape, then 4-bit DCT coefficients of luminance (L), two colour channels (P: yellow-blue,
// Q: red-green) and, for images with transparency, alpha (A).
"use strict";

/// The bytes of a base64 ThumbHash; null when there is none or it is not base64.
function thumbHashBytes(base64) {
  if (!base64) return null;
  try {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.length >= 5 ? bytes : null;
  } catch (_) { return null; }
}

/// The shape of the original image (width / height), from the header: a decoder sizes its output with it.
function thumbHashAspect(bytes) {
  const hasAlpha = (bytes[2] & 0x80) !== 0, landscape = (bytes[4] & 0x80) !== 0;
  const lx = landscape ? (hasAlpha ? 5 : 7) : bytes[3] & 7;
  const ly = landscape ? bytes[3] & 7 : (hasAlpha ? 5 : 7);
  return lx / Math.max(1, ly);
}

/// The placeholder as pixels: `{w, h, rgba}`, at most 32 on its long side (it is drawn scaled up and smooth).
function thumbHashPixels(bytes) {
  const header = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16), shape = bytes[3] | (bytes[4] << 8);
  const hasAlpha = (header >> 23) & 1, landscape = (shape >> 15) & 1;
  const lDC = (header & 63) / 63, pDC = ((header >> 6) & 63) / 31.5 - 1, qDC = ((header >> 12) & 63) / 31.5 - 1;
  const lScale = ((header >> 18) & 31) / 31, pScale = ((shape >> 3) & 63) / 63, qScale = ((shape >> 9) & 63) / 63;
  // Coefficients along x and y of the luminance: the short side's count is in the header, the long side's is fixed.
  const lx = Math.max(3, landscape ? (hasAlpha ? 5 : 7) : shape & 7);
  const ly = Math.max(3, landscape ? shape & 7 : (hasAlpha ? 5 : 7));
  const aDC = hasAlpha ? (bytes[5] & 15) / 15 : 1, aScale = (bytes[5] >> 4) / 15;

  // The AC coefficients follow the header, two 4-bit values a byte (low nibble first), channel after channel, each
  // channel's in a triangle of its nx × ny grid (the DC term left out).
  let nibble = 0;
  const start = hasAlpha ? 6 : 5;
  const readChannel = (nx, ny, scale) => {
    const out = [];
    for (let cy = 0; cy < ny; cy++) {
      for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++, nibble++) {
        const value = (bytes[start + (nibble >> 1)] >> ((nibble & 1) * 4)) & 15;
        out.push((value / 7.5 - 1) * scale);
      }
    }
    return out;
  };
  const lAC = readChannel(lx, ly, lScale);
  // Colour is boosted a little: the 4-bit quantisation washes it out.
  const pAC = readChannel(3, 3, pScale * 1.25), qAC = readChannel(3, 3, qScale * 1.25);
  const aAC = hasAlpha ? readChannel(5, 5, aScale) : null;

  const ratio = thumbHashAspect(bytes);
  const w = Math.round(ratio > 1 ? 32 : 32 * ratio), h = Math.round(ratio > 1 ? 32 / ratio : 32);
  const rgba = new Uint8ClampedArray(w * h * 4);
  const nx = Math.max(lx, hasAlpha ? 5 : 3), ny = Math.max(ly, hasAlpha ? 5 : 3);
  const fx = new Float64Array(nx), fy = new Float64Array(ny);
  // Sums one channel's AC terms at this pixel (fx, fy hold the cosines of its position).
  const sum = (ac, cxCount, cyCount) => {
    let value = 0, j = 0;
    for (let cy = 0; cy < cyCount; cy++) {
      const fy2 = fy[cy] * 2;
      for (let cx = cy ? 0 : 1; cx * cyCount < cxCount * (cyCount - cy); cx++, j++) value += ac[j] * fx[cx] * fy2;
    }
    return value;
  };
  for (let y = 0, i = 0; y < h; y++) {
    for (let cy = 0; cy < ny; cy++) fy[cy] = Math.cos(Math.PI / h * (y + 0.5) * cy);
    for (let x = 0; x < w; x++, i += 4) {
      for (let cx = 0; cx < nx; cx++) fx[cx] = Math.cos(Math.PI / w * (x + 0.5) * cx);
      const l = lDC + sum(lAC, lx, ly), p = pDC + sum(pAC, 3, 3), q = qDC + sum(qAC, 3, 3);
      const a = hasAlpha ? aDC + sum(aAC, 5, 5) : 1;
      // LPQ back to RGB: l = (r + g + b) / 3, p = (r + g) / 2 - b, q = r - g.
      const b = l - 2 / 3 * p, r = (3 * l - b + q) / 2, g = r - q;
      rgba[i] = 255 * r; rgba[i + 1] = 255 * g; rgba[i + 2] = 255 * b; rgba[i + 3] = 255 * a;  // clamped by the array
    }
  }
  return { w, h, rgba };
}

// Data URLs by hash: a grid repaints the same tiles as it scrolls. Bounded, oldest out first.
const thumbHashURLs = new Map();
const THUMBHASH_URL_LIMIT = 2000;

/// A PNG data URL of the placeholder, for a CSS background or an <img>; null without a (valid) hash.
function thumbHashURL(base64) {
  if (!base64) return null;
  const cached = thumbHashURLs.get(base64);
  if (cached) return cached;
  const bytes = thumbHashBytes(base64);
  if (!bytes) return null;
  const { w, h, rgba } = thumbHashPixels(bytes);
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
  const url = canvas.toDataURL("image/png");
  if (thumbHashURLs.size >= THUMBHASH_URL_LIMIT) thumbHashURLs.delete(thumbHashURLs.keys().next().value);
  thumbHashURLs.set(base64, url);
  return url;
}

/// Paints the placeholder over the whole of a 2D canvas context (the player, while its frame loads); false without one.
function drawThumbHash(context, base64, width, height) {
  const bytes = thumbHashBytes(base64);
  if (!bytes) return false;
  const { w, h, rgba } = thumbHashPixels(bytes);
  const small = document.createElement("canvas");
  small.width = w;
  small.height = h;
  small.getContext("2d").putImageData(new ImageData(rgba, w, h), 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(small, 0, 0, width, height);
  return true;
}
