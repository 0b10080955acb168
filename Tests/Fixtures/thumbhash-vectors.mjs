// Produces Tests/Fixtures/thumbhash-vectors.json from the ThumbHash reference implementation (the format's own JavaScript,
// js/thumbhash.js of its repository): `node thumbhash-vectors.mjs /path/to/thumbhash.js > thumbhash-vectors.json`.
// The images are the formulas below; ThumbHashTests.swift builds the same pixels and must get the same bytes.
const { rgbaToThumbHash } = await import(process.argv[2]);

/// The test images: name, size, and a pixel function (x, y) → [r, g, b, a].
/// A 32-bit linear congruential generator (exact in both languages), its bits 16–23 per call.
function lcg(seed) { let s = seed >>> 0; return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0, (s >>> 16) & 255); }
const images = [
  ["gradient-100x75", 100, 75, (x, y) => [Math.floor(x * 255 / 99), Math.floor(y * 255 / 74), 128, 255]],
  ["pattern-75x100", 75, 100, (x, y) => [(x * y) % 256, (x + 2 * y) % 256, 255 - x, 255]],
  ["disc-100x100", 100, 100, (x, y) => (x - 50) ** 2 + (y - 40) ** 2 < 900 ? [230, 180, 40, 255] : [20, 60, 140, 255]],
  ["stripes-100x50", 100, 50, (x, y) => Math.floor(x / 10) % 2 ? [250, 250, 250, 255] : [10, 10, 10, 255]],
  ["alpha-37x23", 37, 23, (x, y) => [200, (y * 11) % 256, 50, (x * 7) % 256]],
  ["one-pixel", 1, 1, () => [10, 200, 30, 255]],
  ["transparent-8x8", 8, 8, () => [0, 0, 0, 0]],
  ["grey-100x75", 100, 75, (x, y) => { const v = (x * 3 + y * 2) % 256; return [v, v, v, 255]; }],
];
const noise = lcg(12345);
images.push(["noise-50x30", 50, 30, () => [noise(), noise(), noise(), 255]]);

const vectors = images.map(([name, w, h, pixel]) => {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set(pixel(x, y), 4 * (x + y * w));
  return { name, width: w, height: h, thumbhash: Buffer.from(rgbaToThumbHash(w, h, rgba)).toString("base64") };
});
console.log(JSON.stringify(vectors, null, 1));
