#!/usr/bin/python3
"""WebP beside JPEG: bytes saved at equal SSIM, on the benchmark corpus (.cache/corpus, Debian's mate-backgrounds).

1. What the server writes: `timelapser serve` with variant_formats ["jpeg", "webp"] captures every photograph; the
   thumbnail and small are downloaded as JPEG and as WebP (content negotiation) and each is compared by SSIM (ffmpeg's
   ssim filter, luma and chroma) with a Lanczos reference of the photograph at the variant's size.
2. Equal SSIM: for each photograph and size, the smallest WebP (libwebp through Pillow, qualities 30-100) whose SSIM
   reaches the JPEG's, against the same reference; the saving is (JPEG bytes - that WebP's bytes) / JPEG bytes.
Usage: scripts/bench-webp.py [BINARY]
"""
import glob, io, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request

from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "timelapser")
SIZES = {"thumbnail": (200, 150), "small": (800, 600)}


def ssim(reference_png, candidate_bytes, suffix, scratch):
    path = os.path.join(scratch, "candidate" + suffix)
    with open(path, "wb") as f:
        f.write(candidate_bytes)
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", reference_png, "-i", path, "-lavfi", "ssim", "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    return float(re.search(r"All:([0-9.]+)", out).group(1))


def reference(photo, size, scratch, name):
    image = Image.open(photo).convert("RGB")
    image.thumbnail(size, Image.LANCZOS)
    path = os.path.join(scratch, name + ".png")
    image.save(path)
    return image, path


def request(port, path, accept=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), r.headers.get("Content-Type")


def served(photos, scratch):
    """(photo, variant) -> (jpeg bytes, webp bytes) as the server wrote them."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = os.path.join(scratch, "data")
    log = open(os.path.join(scratch, "serve.log"), "w")
    server = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                request(port, "/api/health")
                break
            except OSError:
                time.sleep(0.1)
        def call(method, path, body, content_type="application/json"):
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
            req.add_header("Content-Type", content_type)
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["data"]
        call("PATCH", "/api/settings", json.dumps({"variant_formats": ["jpeg", "webp"]}).encode())
        camera = call("POST", "/api/cameras", json.dumps({"name": "corpus"}).encode())["id"]
        call("POST", f"/api/cameras/{camera}/timelapses", json.dumps({"started_at": "2026-01-01T00:00:00Z"}).encode())
        ids = {}
        for i, photo in enumerate(photos):
            with open(photo, "rb") as f:
                at = f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z"
                ids[photo] = call("POST", f"/api/cameras/{camera}/captures?captured_at={at}", f.read(), "image/jpeg")["image_id"]
        for _ in range(600):
            queue = json.loads(request(port, "/api/health")[0])["data"]["queue"]
            if queue["pending"] == 0 and queue["processing"] == 0:
                break
            time.sleep(0.2)
        result = {}
        for photo, image_id in ids.items():
            for variant in SIZES:
                jpeg, jpeg_type = request(port, f"/api/images/{image_id}/{variant}")
                webp, webp_type = request(port, f"/api/images/{image_id}/{variant}", "image/webp,*/*")
                assert jpeg_type == "image/jpeg" and webp_type == "image/webp", (jpeg_type, webp_type)
                result[(photo, variant)] = (jpeg, webp)
        return result
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def main():
    photos = sorted(glob.glob(os.path.join(ROOT, ".cache", "corpus", "*.jpg")))
    if not photos:
        sys.exit("no corpus: run scripts/bench-imaging.sh first (it fetches the photographs)")
    scratch = tempfile.mkdtemp(prefix="bench-webp-")
    try:
        from_server = served(photos, scratch)
        totals = {v: {"jpeg": 0, "webp": 0, "webp_equal": 0, "ssim_jpeg": [], "ssim_webp": []} for v in SIZES}
        for photo in photos:
            for variant, size in SIZES.items():
                ref_image, ref_png = reference(photo, size, scratch, "ref")
                jpeg, webp = from_server[(photo, variant)]
                t = totals[variant]
                # The server's own outputs may differ from the reference's size by a pixel of rounding: compare at
                # the reference's size, rescaling the candidate when needed.
                def fitted(data, suffix):
                    image = Image.open(io.BytesIO(data)).convert("RGB")
                    if image.size != ref_image.size:
                        image = image.resize(ref_image.size, Image.LANCZOS)
                    buffer = io.BytesIO()
                    image.save(buffer, "PNG")
                    return buffer.getvalue()
                s_jpeg = ssim(ref_png, fitted(jpeg, ".jpg"), ".png", scratch)
                s_webp = ssim(ref_png, fitted(webp, ".webp"), ".png", scratch)
                t["jpeg"] += len(jpeg)
                t["webp"] += len(webp)
                t["ssim_jpeg"].append(s_jpeg)
                t["ssim_webp"].append(s_webp)
                # Equal SSIM, same encoders (libjpeg-turbo, libwebp) from the same reference pixels.
                buffer = io.BytesIO()
                ref_image.save(buffer, "JPEG", quality=80 if variant == "thumbnail" else 85)
                jpeg_ref = buffer.getvalue()
                target = ssim(ref_png, jpeg_ref, ".jpg", scratch)
                best = None
                for q in range(30, 101, 5):
                    buffer = io.BytesIO()
                    ref_image.save(buffer, "WEBP", quality=q)
                    if ssim(ref_png, buffer.getvalue(), ".webp", scratch) >= target:
                        best = len(buffer.getvalue())
                        break
                t["webp_equal"] += best if best is not None else len(jpeg_ref)
                t.setdefault("jpeg_ref", 0)
                t["jpeg_ref"] += len(jpeg_ref)
        print(f"webp: {len(photos)} photographs of the corpus")
        for variant, t in totals.items():
            mean = lambda xs: sum(xs) / len(xs)
            print(f"webp: {variant}: server writes JPEG {t['jpeg'] / len(photos) / 1024:.1f} KiB (SSIM {mean(t['ssim_jpeg']):.4f}), "
                  f"WebP {t['webp'] / len(photos) / 1024:.1f} KiB (SSIM {mean(t['ssim_webp']):.4f}) at the same quality number: "
                  f"{100 * (1 - t['webp'] / t['jpeg']):.0f} % smaller")
            print(f"webp: {variant}: at equal SSIM (smallest WebP reaching the JPEG's): "
                  f"{100 * (1 - t['webp_equal'] / t['jpeg_ref']):.0f} % smaller ({t['jpeg_ref'] / len(photos) / 1024:.1f} → "
                  f"{t['webp_equal'] / len(photos) / 1024:.1f} KiB)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
