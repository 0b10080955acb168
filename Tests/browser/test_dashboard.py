#!/usr/bin/python3
"""Dashboard tests in a real browser (headless Chromium through Selenium) against a real server.

The server is the real `timelapser serve` binary on a scratch data directory and SQLite database; frames are real
JPEGs posted through the API; videos are real renders (ffmpeg) that Chromium plays. Set SCREENSHOTS_DIR to also save
screenshots of the pages, of the Videos panel, of a camera's page with its timeline and of the Webhooks section.
A small HTTP server run by the tests stands in for a snapshot camera (a JPEG file it serves, or a 404 while the
file is away) and receives webhook deliveries. The sign-in tests (test_12, test_13) start a second server of their own
with `--auth users`, an admin and a viewer made first with `timelapser users add`.
"""
import datetime, decimal, hashlib, hmac, http.server, io, json, os, re, shutil, socket, subprocess, sys, tempfile, threading, time, unittest
import urllib.request, urllib.error

from PIL import Image, ImageDraw
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TIMELAPSER_BIN", os.path.join(ROOT, ".build", "debug", "timelapser"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(seed, size=(1280, 720)):
    """A photo-like JPEG: gradient, shapes and texture (never flat, so corruption detection accepts it)."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    w, h = size
    for y in range(0, h, 4):
        draw.rectangle([0, y, w, y + 3], fill=(40 + 150 * y // h, 80 + seed * 20 % 120, 160 - 100 * y // h))
    for i in range(12):
        x, y = (seed * 97 + i * 131) % w, (seed * 53 + i * 71) % h
        draw.ellipse([x, y, x + 60 + i * 7, y + 40 + i * 5], fill=((i * 40) % 255, (seed * 30 + i * 20) % 255, (i * 90) % 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


class Server:
    def __init__(self, users=None):
        """`users`: [(name, role, password)] made with `timelapser users add` before the server starts with `--auth users`."""
        self.dir = tempfile.mkdtemp(prefix="timelapser-browser-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        command = [BINARY, "serve", "--data-dir", self.dir, "--port", str(self.port), "--workers", "2"]
        if users is not None:
            for name, role, password in users:  # the password on stdin (not a terminal)
                subprocess.run([BINARY, "users", "add", name, "--role", role, "--data-dir", self.dir], input=password.encode(),
                               check=True, stdout=self.log, stderr=subprocess.STDOUT)
            command += ["--auth", "users"]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self.get("/api/health")
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method, path, body=None, content_type="application/json", token=None):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return json.loads(error.read() or b"null")

    def get(self, path):
        return self.request("GET", path)["data"]

    def capture(self, camera, seed, at):
        return self.request("POST", f"/api/cameras/{camera}/captures?captured_at={at}", frame(seed), "image/jpeg")["data"]

    def wait_idle(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            queue = self.get("/api/health")["queue"]
            if queue["pending"] == 0 and queue["processing"] == 0:
                return
            time.sleep(0.1)
        raise AssertionError("queue did not drain")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Fixtures:
    """A snapshot camera (GET /NAME.jpg serves that file of `dir`, 404 when absent) and a webhook receiver (every
    POST is kept in `posts` as (path, headers, body) and answered 200)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="timelapser-fixtures-")
        self.posts = []
        fixtures = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                try:
                    with open(os.path.join(fixtures.dir, os.path.basename(self.path.split("?")[0])), "rb") as f:
                        data = f.read()
                except OSError:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fixtures.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def put(self, name, data):
        with open(os.path.join(self.dir, name + ".tmp"), "wb") as f:
            f.write(data)
        os.replace(os.path.join(self.dir, name + ".tmp"), os.path.join(self.dir, name))

    def remove(self, name):
        os.remove(os.path.join(self.dir, name))

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def size_text(n):
    """The dashboard's bytesText: 1024-based, one decimal (JavaScript's toFixed rounds an exact half up)."""
    units, value, i = ["B", "KB", "MB", "GB", "TB", "PB"], n, 0
    while abs(value) >= 1024 and i < len(units) - 1:
        value, i = value / 1024, i + 1
    return f"{n} B" if i == 0 else f"{decimal.Decimal(value).quantize(decimal.Decimal('0.1'), decimal.ROUND_HALF_UP)} {units[i]}"


def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def browser():
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)


class DashboardTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        s = cls.server
        cls.camera = s.request("POST", "/api/cameras", {"name": "Garden"})["data"]["id"]
        cls.timelapse = s.request("POST", f"/api/cameras/{cls.camera}/timelapses", {"name": "Spring", "started_at": "2026-03-01T06:00:00Z"})["data"]["id"]
        for i in range(3):
            s.capture(cls.camera, i, f"2026-03-01T08:0{i}:00Z")
        s.wait_idle()
        cls.fixtures = Fixtures()
        cls.driver = browser()
        cls.wait = WebDriverWait(cls.driver, 20, ignored_exceptions=[StaleElementReferenceException])

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()
        cls.fixtures.stop()
        if cls.users_server:
            cls.users_server.stop()

    users_server = None
    ADMIN, VIEWER = ("admin", "admin", "long-password-1"), ("vic", "viewer", "viewer-password-1")

    @classmethod
    def access_server(cls):
        """The `--auth users` server of the sign-in tests (one for both), with an admin and a viewer."""
        if not cls.users_server:
            cls.users_server = Server(users=[cls.ADMIN, cls.VIEWER])
        return cls.users_server

    def open(self, hash_path):
        self.driver.get(self.server.url("/" + hash_path))

    def screenshot(self, name, element=None):
        folder = os.environ.get("SCREENSHOTS_DIR")
        if folder:
            os.makedirs(folder, exist_ok=True)
            time.sleep(0.5)
            if element is not None:  # all of it: a window tall enough, no toast on top
                size = self.driver.get_window_size()
                self.driver.set_window_size(size["width"], 1800)
                self.driver.execute_script("document.getElementById('toast').classList.remove('show'); arguments[0].scrollIntoView();", element)
                time.sleep(0.3)
                element.screenshot(os.path.join(folder, name))
                self.driver.set_window_size(size["width"], size["height"])
            else:
                self.driver.save_screenshot(os.path.join(folder, name))

    def card_image_loaded(self, _driver=None):
        return self.driver.execute_script(
            "const img = document.querySelector('[data-camera] img.latest');"
            "return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0;")

    def test_1_camera_cards_render_real_thumbnails_and_update_live(self):
        self.open("#/")
        self.wait.until(self.card_image_loaded)
        width = self.card_image_loaded()
        self.assertGreater(width, 0)
        self.assertLessEqual(width, 200, "the card loads the 200×150 thumbnail, not the full frame")
        card = self.driver.find_element(By.CSS_SELECTOR, f'[data-camera="{self.camera}"]')
        self.assertIn("Garden", card.text)
        self.assertIn("3 frames", card.text)
        self.screenshot("dashboard-cameras.png")
        old_src = self.driver.find_element(By.CSS_SELECTOR, "[data-camera] img.latest").get_attribute("src")
        # A capture posted now shows up without a reload.
        marker = self.driver.execute_script("window.__noReload = 'still here'; return window.__noReload;")
        self.server.capture(self.camera, 7, "2026-03-01T09:00:00Z")
        self.wait.until(lambda d: "4 frames" in d.find_element(By.CSS_SELECTOR, f'[data-camera="{self.camera}"]').text)
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-camera] img.latest").get_attribute("src") != old_src)
        self.wait.until(self.card_image_loaded)
        self.assertEqual(self.driver.execute_script("return window.__noReload;"), marker)

    def test_2_timelapse_frames_and_actions(self):
        self.open(f"#/timelapses/{self.timelapse}")
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#frames img")) >= 3)
        self.wait.until(lambda d: d.execute_script(
            "return [...document.querySelectorAll('#frames img')].every(i => i.complete && i.naturalWidth > 0)"))
        self.screenshot("dashboard-timelapse.png")
        # The 58 minutes between 08:02 and 09:00 (the camera's interval is 5 min) are marked between their frames.
        gap = self.driver.find_element(By.CSS_SELECTOR, "#frames .frame-gap")
        self.assertIn("Gap of 58 min", gap.text)
        self.assertEqual(gap.get_attribute("data-gap-seconds"), "3480")
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#frames .frame-gap")), 1, "1-minute steps are no gap")
        self.driver.find_element(By.CSS_SELECTOR, "#frames button").click()
        self.wait.until(lambda d: d.execute_script("const i = document.getElementById('frame-img'); return i.complete && i.naturalWidth > 200"))
        self.driver.find_element(By.ID, "frame-close").click()
        # Verification reports missing thumbnails and prompts for repair.
        images = self.server.get(f"/api/timelapses/{self.timelapse}/images")
        os.remove(os.path.join(self.server.dir, images[0]["thumbnail_path"]))
        self.driver.find_element(By.ID, "verify-thumbnails").click()
        result = self.wait.until(lambda d: d.find_element(By.ID, "timelapse-result") if "valid" in d.find_element(By.ID, "timelapse-result").text else None)
        self.assertIn("1 missing", result.text)
        self.assertIn("Missing thumbnails detected. Run system-wide repair from Settings?", result.text)

    def test_3_bad_setting_shows_its_message(self):
        self.open("#/settings")
        field = self.wait.until(lambda d: d.find_element(By.ID, "setting-thumbnail_quality"))
        field.clear()
        field.send_keys("500")
        self.driver.find_element(By.CSS_SELECTOR, "#settings-form button[type=submit]").click()
        error = self.wait.until(lambda d: d.find_element(By.ID, "setting-thumbnail_quality-error") if d.find_element(By.ID, "setting-thumbnail_quality-error").text else None)
        self.assertIn("thumbnail_quality", error.text)
        self.assertEqual(self.server.get("/api/settings")["thumbnail_quality"], 80, "nothing was saved")

    def test_4_regenerate_all_progress_reaches_100(self):
        self.open("#/settings")
        self.wait.until(lambda d: d.find_element(By.ID, "regenerate-all"))
        self.driver.find_element(By.ID, "regenerate-all").click()
        self.wait.until(expected_conditions.alert_is_present()).accept()  # the estimate (test_10 reads it)
        self.wait.until(lambda d: float(d.find_element(By.ID, "regen-progress").get_attribute("value") or 0) >= 100)
        self.wait.until(lambda d: "Finished" in d.find_element(By.ID, "regen-text").text)
        self.screenshot("dashboard-settings.png")

    def test_5_cleanup_lists_before_deleting(self):
        folder = os.path.join(self.server.dir, "cameras", f"camera-{self.camera}", f"timelapse-{self.timelapse}", "thumbnails")
        orphan = os.path.join(folder, f"timelapse-{self.timelapse}_thumb_day009_235959.jpg")
        shutil.copy(os.path.join(folder, os.listdir(folder)[0]), orphan)
        self.open("#/settings")
        self.wait.until(lambda d: d.find_element(By.ID, "cleanup-orphans")).click()
        listing = self.wait.until(lambda d: d.find_element(By.ID, "cleanup-list"))
        self.assertIn(os.path.basename(orphan), listing.text)
        self.assertTrue(os.path.exists(orphan), "a dry run deletes nothing")
        self.driver.find_element(By.ID, "cleanup-confirm").click()
        self.wait.until(lambda d: "deleted" in d.find_element(By.ID, "maintenance-result").text)
        self.assertFalse(os.path.exists(orphan))

    # ---------- videos ----------
    def text_of(self, element_id):
        return self.driver.find_element(By.ID, element_id).text

    def wait_text(self, element_id, needle, timeout=20):
        WebDriverWait(self.driver, timeout, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: needle in d.find_element(By.ID, element_id).text,
                                                  f"#{element_id} never said {needle!r}")

    def video_card(self, video_id):
        found = self.driver.find_elements(By.CSS_SELECTOR, f'#videos [data-video="{video_id}"]')
        return found[0] if found else None

    def video_status(self, video_id):
        return self.driver.execute_script(
            "const a = document.querySelector(`#videos [data-video='${arguments[0]}']`); return a ? a.dataset.status : null", video_id)

    def in_card(self, video_id, selector, action=lambda el: el.text):
        """Finds `selector` in a video's card and applies `action`, again if the card was just redrawn."""
        for _ in range(5):
            try:
                return action(self.video_card(video_id).find_element(By.CSS_SELECTOR, selector))
            except StaleElementReferenceException:
                time.sleep(0.1)
        raise AssertionError(f"card {video_id} kept changing")

    def newest_video_id(self, but_not=()):
        def newest(_driver):
            ids = [v["id"] for v in self.server.get(f"/api/timelapses/{self.video_timelapse}/videos") if v["id"] not in but_not]
            return ids[0] if ids else None
        return self.wait.until(newest)

    def test_6_videos_render_play_cancel_delete(self):
        s = self.server
        camera = s.request("POST", "/api/cameras", {"name": "Orchard"})["data"]["id"]
        timelapse = s.request("POST", f"/api/cameras/{camera}/timelapses", {"name": "Blossom", "started_at": "2026-04-01T06:00:00Z"})["data"]["id"]
        self.video_timelapse = timelapse
        for i in range(20):  # 4 days of 5 frames, 10:00 to 14:00
            s.capture(camera, 20 + i, f"2026-04-0{1 + i // 5}T{10 + i % 5}:00:00Z")
        s.wait_idle()
        self.open(f"#/timelapses/{timelapse}")

        # The dry-run estimate, refreshed as the form changes; a bad value shows the server's 422 next to its field.
        self.wait_text("video-estimate", "20 frames")
        self.assertIn("24 fps", self.text_of("video-estimate"))
        self.assertIn("1280×720", self.text_of("video-estimate"))
        self.assertIn("to render", self.text_of("video-estimate"))
        length = self.driver.find_element(By.ID, "video-length")
        length.clear()
        length.send_keys("500")
        self.wait_text("video-length-error", "fps")
        self.assertIn("must be from 1 to 120", self.text_of("video-length-error"))
        length.clear()
        length.send_keys("24")
        self.wait.until(lambda d: self.text_of("video-length-error") == "" and "20 frames" in self.text_of("video-estimate"))
        self.driver.find_element(By.CSS_SELECTOR, 'label[data-preset="noon"]').click()
        self.wait_text("video-estimate", "4 frames")
        self.assertEqual(self.driver.find_element(By.ID, "video-name").get_attribute("value"), "noon")

        # "Daily at 06:00" sets the automation rather than rendering.
        self.driver.find_element(By.CSS_SELECTOR, 'label[data-preset="daily"]').click()
        self.wait.until(lambda d: d.find_element(By.ID, "video-render").text == "Set daily render at 06:00")
        self.driver.find_element(By.ID, "video-render").click()
        self.wait_text("video-automation", "daily at 06:00")
        self.assertEqual(s.get(f"/api/timelapses/{timelapse}/video-automation")["daily"]["at"], "06:00")
        self.assertEqual(s.get(f"/api/timelapses/{timelapse}/videos"), [], "setting the automation renders nothing now")
        self.driver.find_element(By.ID, "video-daily-off").click()
        self.wait_text("video-automation", "No automatic renders")
        self.assertEqual(s.get(f"/api/timelapses/{timelapse}/video-automation"), {})

        # "Full": every frame at 24 fps. The page hears the render's progress events, shows the card while it renders,
        # then the completed video with a player, a download link and Delete.
        self.driver.find_element(By.CSS_SELECTOR, 'label[data-preset="full"]').click()
        self.wait.until(lambda d: d.find_element(By.ID, "video-render").text == "Render video")
        self.wait_text("video-estimate", "20 frames")
        self.driver.execute_script("""
            window.__videoEvents = [];
            onLive((type, data) => { if (type.startsWith('video_')) window.__videoEvents.push([type, data]); });
            window.__statusesSeen = [];
            new MutationObserver(() => {
              for (const a of document.querySelectorAll('#videos [data-video]'))
                if (!window.__statusesSeen.includes(a.dataset.status)) window.__statusesSeen.push(a.dataset.status);
            }).observe(document.getElementById('videos'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });""")
        self.driver.find_element(By.ID, "video-render").click()
        full = self.newest_video_id()
        self.wait.until(lambda d: self.video_status(full) == "completed")
        events = self.driver.execute_script("return window.__videoEvents")
        progress = [e for t, e in events if t == "video_render_progress" and e["video_id"] == full]
        self.assertTrue(progress, f"no progress event reached the page: {events}")
        self.assertEqual((progress[-1]["frames_done"], progress[-1]["frames_total"], progress[-1]["progress_percent"]), (20, 20, 100))
        self.assertIn("video_completed", [t for t, e in events if e["video_id"] == full])
        self.assertTrue({"queued", "rendering"} & set(self.driver.execute_script("return window.__statusesSeen")),
                        "the card showed the render before it completed")
        card = self.video_card(full)
        self.assertIn("20 frames", card.text)
        self.assertIn("H264", card.text)
        self.assertEqual(card.find_elements(By.CSS_SELECTOR, "button.cancel"), [], "no Cancel once completed")
        video = card.find_element(By.TAG_NAME, "video")
        self.assertEqual(video.get_attribute("src"), s.url(f"/api/videos/{full}/file"))
        self.assertEqual(video.get_attribute("poster"), s.url(f"/api/videos/{full}/poster"))
        self.assertEqual(video.get_attribute("preload"), "metadata")
        self.assertTrue(video.get_attribute("controls"))
        download = card.find_element(By.CSS_SELECTOR, "a.download").get_attribute("href")
        self.assertEqual(download, s.url(f"/api/videos/{full}/file?download=1"))
        with urllib.request.urlopen(download, timeout=30) as response:
            self.assertEqual(response.headers["Content-Type"], "video/mp4")
            self.assertIn("attachment", response.headers["Content-Disposition"])
            self.assertEqual(response.read(8)[4:8], b"ftyp")

        # Chromium plays the H.264 MP4: currentTime moves past 0 and keeps advancing. The video is 20 frames at
        # 24 fps (0.83 s), so it plays at quarter speed to leave time for two readings.
        self.driver.execute_script("""
            const v = arguments[0];
            v.muted = true; v.playbackRate = 0.25;
            window.__playResult = 'pending';
            v.play().then(() => { window.__playResult = 'playing'; }, (e) => { window.__playResult = 'rejected: ' + e; });""", video)
        self.wait.until(lambda d: d.execute_script("return arguments[0].currentTime > 0 || !!arguments[0].error", video))
        first = self.driver.execute_script("return arguments[0].currentTime", video)
        time.sleep(0.3)
        second, error, width, state = self.driver.execute_script(
            "const v = arguments[0]; return [v.currentTime, v.error && v.error.message, v.videoWidth, window.__playResult]", video)
        self.assertIsNone(error)
        self.assertEqual(state, "playing")
        self.assertGreater(first, 0)
        self.assertGreater(second, first, "playback advances")
        self.assertEqual(width, 1280)
        self.driver.execute_script("const v = arguments[0]; v.pause(); v.currentTime = 0.5;", video)

        # A slow render (AV1 at its slowest preset, about a minute here) shows its progress bar; Cancel stops it.
        Select(self.driver.find_element(By.ID, "video-codec")).select_by_value("av1")
        Select(self.driver.find_element(By.ID, "video-preset")).select_by_value("0")
        Select(self.driver.find_element(By.ID, "video-resolution")).select_by_value("source")
        self.wait_text("video-estimate", "20 frames")
        self.driver.find_element(By.ID, "video-render").click()
        slow = self.newest_video_id(but_not=(full,))
        WebDriverWait(self.driver, 60, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: d.execute_script(
            "const a = document.querySelector(`#videos [data-video='${arguments[0]}']`); const p = a && a.querySelector('progress');"
            "return a && a.dataset.status === 'rendering' && p && Number(p.value) > 0", slow))
        # The bar and its text come from separate updates: wait for the text too (a busy machine lags it).
        WebDriverWait(self.driver, 30, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: re.search(r"\d+/20 frames · \d+%", self.in_card(slow, ".progress-text") or ""))
        self.assertRegex(self.in_card(slow, ".progress-text"), r"\d+/20 frames · \d+%")
        self.assertFalse(self.driver.execute_script(
            "return !!document.querySelector(`#videos [data-video='${arguments[0]}'] button.delete`)", slow), "no Delete while rendering")
        self.screenshot("dashboard-videos.png", self.driver.find_element(By.ID, "videos-panel"))
        self.in_card(slow, "button.cancel", lambda el: el.click())
        self.wait.until(lambda d: d.execute_script(
            "const b = document.querySelector(`#videos [data-video='${arguments[0]}'] button.cancel`);"
            "return !b || (b.disabled && b.textContent === 'Cancelling…')", slow))
        self.wait.until(lambda d: self.video_status(slow) == "cancelled")
        self.assertEqual(s.get(f"/api/videos/{slow}")["status"], "cancelled")
        self.assertFalse(self.driver.execute_script(
            "return !!document.querySelector(`#videos [data-video='${arguments[0]}'] button.cancel`)", slow), "no Cancel once cancelled")
        self.assertEqual(self.video_status(full), "completed", "the other video is untouched")

        # Delete asks first, then removes the video from the list and the server.
        for video_id in (slow, full):
            self.in_card(video_id, "button.delete", lambda el: el.click())
            self.wait.until(expected_conditions.alert_is_present()).accept()
            self.wait.until(lambda d: self.video_card(video_id) is None)
            self.assertNotIn(video_id, [v["id"] for v in s.get(f"/api/timelapses/{timelapse}/videos")])
        self.wait_text("videos", "No videos yet")
        self.assertEqual(s.request("GET", f"/api/videos/{full}")["status_code"], 404)

    # ---------- camera operations ----------
    def set_value(self, element_id, value):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)

    def value(self, element_id):
        return self.driver.find_element(By.ID, element_id).get_attribute("value")

    def checked(self, element_id):
        return self.driver.find_element(By.ID, element_id).is_selected()

    def test_7_camera_form_tests_the_url_and_round_trips_a_time_window(self):
        s, fx = self.server, self.fixtures
        fx.put("porch.jpg", frame(40))
        self.open("#/")
        self.wait.until(lambda d: d.find_element(By.ID, "cam-name"))
        self.set_value("cam-name", "Porch")
        self.set_value("cam-url", fx.url("/porch.jpg"))
        # Test grabs from the URL typed, before anything is saved: size, time and the frame itself.
        self.driver.find_element(By.ID, "cam-test").click()
        self.wait_text("cam-test-summary", "1280×720")
        self.assertIn("OK", self.text_of("cam-test-summary"))
        self.assertRegex(self.text_of("cam-test-summary"), r"\d+ KB · \d+ ms")
        self.wait.until(lambda d: d.execute_script("const i = document.getElementById('cam-test-preview'); return i && i.complete && i.naturalWidth"))
        self.assertEqual(self.driver.execute_script("return document.getElementById('cam-test-preview').naturalWidth"), 1280)
        self.assertNotIn("Porch", [c["name"] for c in s.get("/api/cameras")], "a test stores nothing")
        # A URL that answers 404: the test says so.
        self.set_value("cam-url", fx.url("/missing.jpg"))
        self.driver.find_element(By.ID, "cam-test").click()
        self.wait_text("cam-test-summary", "Failed")
        self.set_value("cam-url", fx.url("/porch.jpg"))

        # A time window: a bad start is the server's 422, shown at its field; nothing is saved.
        self.driver.find_element(By.CSS_SELECTOR, ".camera-options summary").click()
        Select(self.driver.find_element(By.ID, "cam-window-mode")).select_by_value("time")
        self.set_value("cam-window-start", "7am")
        self.set_value("cam-window-end", "20:15")
        self.driver.find_element(By.ID, "cam-save").click()
        self.wait_text("cam-error-capture-window-start", "HH:MM")
        self.assertEqual(self.driver.find_element(By.ID, "cam-window-start").get_attribute("aria-invalid"), "true")
        self.assertNotIn("Porch", [c["name"] for c in s.get("/api/cameras")])
        self.set_value("cam-window-start", "06:30")
        for day in ("sat", "sun"):
            self.driver.find_element(By.ID, f"cam-day-{day}").click()
        self.set_value("cam-timezone", "Europe/Paris")
        Select(self.driver.find_element(By.ID, "cam-rotate")).select_by_value("90")
        for key, number in zip("xywh", (10, 20, 640, 480)):
            self.set_value(f"cam-crop-{key}", str(number))
        self.driver.find_element(By.ID, "cam-save").click()
        self.wait.until(lambda d: d.find_elements(By.XPATH, "//article[@data-camera][.//h2[normalize-space()='Porch']]"))
        self.assertEqual(self.text_of("cam-error-capture-window-start"), "")
        camera = next(c for c in s.get("/api/cameras") if c["name"] == "Porch")
        self.assertEqual(camera["capture_window"], {"mode": "time", "start": "06:30", "end": "20:15", "days": ["mon", "tue", "wed", "thu", "fri"]})
        self.assertEqual((camera["timezone"], camera["rotate"], camera["crop"]), ("Europe/Paris", 90, {"x": 10, "y": 20, "w": 640, "h": 480}))
        self.assertEqual(camera["rtsp_url"], fx.url("/porch.jpg"))

        # The camera's page shows the same values in its form; a change saves only what changed.
        self.open(f"#/cameras/{camera['id']}")
        self.wait.until(lambda d: d.find_element(By.ID, "camera-edit-form"))
        self.assertEqual(Select(self.driver.find_element(By.ID, "cam-window-mode")).first_selected_option.get_attribute("value"), "time")
        self.assertTrue(self.driver.find_element(By.ID, "cam-window-start").is_displayed())
        self.assertFalse(self.driver.find_element(By.ID, "cam-window-latitude").is_displayed())
        self.assertEqual((self.value("cam-window-start"), self.value("cam-window-end")), ("06:30", "20:15"))
        self.assertEqual([self.checked(f"cam-day-{d}") for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")], [True] * 5 + [False] * 2)
        self.assertEqual((self.value("cam-timezone"), self.value("cam-rotate"), self.value("cam-crop-w")), ("Europe/Paris", "90", "640"))
        self.assertEqual(self.value("cam-url"), fx.url("/porch.jpg"))
        self.set_value("cam-window-end", "21:00")
        self.driver.find_element(By.ID, "cam-day-sat").click()
        self.driver.find_element(By.ID, "cam-save").click()
        self.wait.until(lambda d: s.get(f"/api/cameras/{camera['id']}")["capture_window"].get("end") == "21:00")
        saved = s.get(f"/api/cameras/{camera['id']}")
        self.assertEqual(saved["capture_window"]["days"], ["mon", "tue", "wed", "thu", "fri", "sat"])
        self.assertEqual((saved["rtsp_url"], saved["timezone"], saved["rotate"]), (fx.url("/porch.jpg"), "Europe/Paris", 90))
        self.wait_text("camera-status", "06:30–21:00")

        # Test on the saved camera (URL unchanged) and Capture now, once a timelapse runs.
        self.driver.find_element(By.ID, "cam-test").click()
        self.wait_text("cam-test-summary", "1280×720")
        s.request("POST", f"/api/cameras/{camera['id']}/timelapses", {"name": "Porch days"})
        self.driver.refresh()
        self.wait.until(lambda d: d.find_element(By.ID, "camera-capture-now")).click()
        active = s.get(f"/api/cameras/{camera['id']}")["active_timelapse_id"]
        self.wait.until(lambda d: s.get(f"/api/timelapses/{active}")["image_count"] >= 1)
        self.wait_text("toast", "Captured a frame (1280×720)")
        s.request("PATCH", f"/api/cameras/{camera['id']}", {"rtsp_url": None})

    def test_8_webhooks_add_test_deliver_edit_delete(self):
        s, fx = self.server, self.fixtures
        self.open("#/settings")
        self.wait.until(lambda d: d.find_element(By.ID, "webhooks-empty"))
        # A bad URL is the server's 422 at its field.
        self.set_value("webhook-url", "ftp://example.com/x")
        self.driver.find_element(By.ID, "webhook-save").click()
        self.wait_text("webhook-error-url", "url")
        self.set_value("webhook-url", fx.url("/hooks/t0ken"))
        self.set_value("webhook-secret", "s3cret")
        self.driver.find_element(By.ID, "webhook-event-timelapse_completed").click()
        self.driver.find_element(By.ID, "webhook-save").click()
        row = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#webhooks tr[data-webhook]"))
        hook = s.get("/api/webhooks")[0]
        self.assertEqual(hook["events"], ["camera_offline", "camera_online", "timelapse_completed"])
        self.assertTrue(hook["has_secret"])
        self.assertIn(hook["url"], row.text, "the masked URL")
        self.assertNotIn("t0ken", row.text)
        self.assertIn("signed", row.text)
        self.assertIn("timelapse_completed", row.text)

        # Test queues a webhook_test delivery; the list follows it to delivered.
        row.find_element(By.CSS_SELECTOR, "button.webhook-test").click()
        delivered = WebDriverWait(self.driver, 30, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#webhook-deliveries tr[data-status='delivered']"))
        self.assertIn("webhook_test", delivered.text)
        self.assertIn("200", delivered.text)
        path, headers, body = fx.posts[-1]
        self.assertEqual((path, headers["x-timelapser-event"]), ("/hooks/t0ken", "webhook_test"))
        self.assertEqual(headers["x-timelapser-signature"], "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest())
        self.screenshot("dashboard-webhooks.png", self.driver.find_element(By.ID, "webhooks-panel"))

        # Edit: disable it and drop an event; URL and secret left empty stay as they were.
        self.driver.find_element(By.CSS_SELECTOR, "#webhooks button.webhook-edit").click()
        self.wait.until(lambda d: d.find_element(By.ID, "webhook-cancel"))
        self.driver.find_element(By.ID, "webhook-enabled").click()
        self.driver.find_element(By.ID, "webhook-event-camera_online").click()
        self.driver.find_element(By.ID, "webhook-save").click()
        self.wait.until(lambda d: not s.get(f"/api/webhooks/{hook['id']}")["enabled"])
        changed = s.get(f"/api/webhooks/{hook['id']}")
        self.assertEqual((changed["url"], changed["has_secret"], changed["events"]), (hook["url"], True, ["camera_offline", "timelapse_completed"]))
        self.wait.until(lambda d: "no" in d.execute_script("const r = document.querySelector('#webhooks tr[data-webhook]'); return r ? r.innerText : ''").split())

        # Delete asks first.
        self.driver.find_element(By.CSS_SELECTOR, "#webhooks button.webhook-delete").click()
        self.wait.until(expected_conditions.alert_is_present()).accept()
        self.wait.until(lambda d: d.find_element(By.ID, "webhooks-empty"))
        self.assertEqual(s.get("/api/webhooks"), [])

    def test_9_outage_goes_live_to_the_card_and_onto_the_timeline(self):
        s, fx = self.server, self.fixtures
        camera = s.request("POST", "/api/cameras", {"name": "Gate"})["data"]["id"]
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        start = now - datetime.timedelta(hours=20)
        s.request("POST", f"/api/cameras/{camera}/timelapses", {"name": "Gate watch", "started_at": iso(start)})
        for i in range(0, 20 * 6 - 2):  # a frame every 10 minutes, but none for three hours from hour 8
            if 48 <= i < 66:
                continue
            s.capture(camera, 60 + i, iso(start + datetime.timedelta(minutes=10 * i)))
        fx.put("gate.jpg", frame(90))
        s.request("PATCH", "/api/settings", {"outage_after_failures": 1})
        s.request("PATCH", f"/api/cameras/{camera}", {"rtsp_url": fx.url("/gate.jpg"), "capture_interval_seconds": 1})
        try:
            self.open("#/")
            card = f'[data-camera="{camera}"] [data-field="status"]'
            self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, card).text == "● Up")
            # The snapshot goes away: the next grab fails, the outage opens and the card hears camera_offline.
            fx.remove("gate.jpg")
            WebDriverWait(self.driver, 30, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: "Down" in d.find_element(By.CSS_SELECTOR, card).text)
            self.assertTrue(s.get(f"/api/cameras/{camera}")["outage_open"])
            time.sleep(2)
            fx.put("gate.jpg", frame(91))
            WebDriverWait(self.driver, 30, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: d.find_element(By.CSS_SELECTOR, card).text == "● Up")
        finally:  # back to a grab every 5 minutes (the next is due within 5 minutes, after the test)
            s.request("PATCH", f"/api/cameras/{camera}", {"capture_interval_seconds": 300})
            s.request("PATCH", "/api/settings", {"outage_after_failures": 2})
        outages = s.get(f"/api/cameras/{camera}/outages")
        self.assertEqual(len(outages), 1)
        self.assertIsNotNone(outages[0]["ended_at"])
        s.wait_idle()

        # The camera page: uptime, the 24 h timeline with captures, the three-hour gap and the outage band.
        self.open(f"#/cameras/{camera}")
        band = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#timeline rect.outage[data-outage='{outages[0]['id']}']"))
        self.assertGreater(float(band.get_attribute("width")), 0)
        self.assertIn("Uptime (24 h): ", self.text_of("camera-status"))
        self.assertIn("● Up", self.text_of("camera-status"))
        self.assertLess(s.get(f"/api/cameras/{camera}")["uptime_percent"], 100)
        self.assertIn("failed grab", self.text_of("outage-list"))
        captures = self.driver.find_elements(By.CSS_SELECTOR, "#timeline rect.capture")
        gaps = self.driver.find_elements(By.CSS_SELECTOR, "#timeline rect.gap")
        self.assertGreater(len(captures), 60)
        self.assertGreaterEqual(len(gaps), 10, "the three hours without frames")
        self.assertIn("1 outage", self.text_of("timeline"))
        self.screenshot("dashboard-camera-timeline.png", self.driver.find_element(By.ID, "main"))
        # The 7-day range draws the same outage.
        self.driver.find_element(By.CSS_SELECTOR, 'label[data-range="7d"]').click()
        self.wait.until(lambda d: "7 d" in d.find_element(By.CSS_SELECTOR, "#timeline svg").get_attribute("aria-label"))
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#timeline rect.outage")), 1)
        s.request("PATCH", f"/api/cameras/{camera}", {"rtsp_url": None})

    # ---------- storage and retention ----------
    def test_10_storage_panel_retention_form_and_estimates(self):
        s = self.server
        s.wait_idle()
        report = s.get("/api/storage")
        self.open("#/settings")
        charts = self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#storage [data-storage-camera]") or None)
        self.assertEqual(len(charts), len(report["cameras"]), "one chart per camera")
        # The figures are the API's, as text and as each bar segment's title.
        garden = next(c for c in report["cameras"] if c["camera_id"] == self.camera)
        chart = self.driver.find_element(By.CSS_SELECTOR, f'#storage [data-storage-camera="{self.camera}"]')
        self.assertIn("Garden", chart.text)
        self.assertIn(f'{size_text(garden["total"]["bytes"])} · {plural(garden["total"]["files"], "file")}',
                      chart.find_element(By.CSS_SELECTOR, '[data-field="total"]').text)
        for kind, label in (("frames", "Frames"), ("thumbnails", "Thumbnails"), ("smalls", "Smalls")):
            figure = garden[kind]
            self.assertIn(f'{label} {size_text(figure["bytes"])} · {plural(figure["files"], "file")}',
                          chart.find_element(By.CSS_SELECTOR, f'.storage-legend [data-kind="{kind}"]').text)
            segment = chart.find_element(By.CSS_SELECTOR, f'.storage-bar .seg[data-kind="{kind}"]')
            self.assertEqual(segment.get_attribute("data-bytes"), str(figure["bytes"]))
            self.assertEqual(segment.get_attribute("title"), f'{label}: {size_text(figure["bytes"])} in {plural(figure["files"], "file")}')
        self.assertIn("Captured per day: ", chart.text)
        self.assertIn("Retention: default policy (off)", chart.text)
        self.assertIn(size_text(report["totals"]["total"]["bytes"]), self.text_of("storage-totals"))
        self.assertIn(f'of {size_text(report["volume"]["total_bytes"])}', self.text_of("storage-volume"))
        self.assertRegex(self.text_of("storage-growth"), r"^(Growing .+ per day|Not growing)")
        self.screenshot("dashboard-storage.png", self.driver.find_element(By.ID, "storage-panel"))

        # Preview weighs the form's policy (as if enabled) and deletes nothing: Garden's frames of 08:00–08:02 are
        # thinned to one an hour.
        frames_before = s.get(f"/api/timelapses/{self.timelapse}")["image_count"]
        self.set_value("retention-keep_all_days", "1")
        self.set_value("retention-thin_to_per_hour", "1")
        self.driver.find_element(By.ID, "retention-preview").click()
        preview = self.wait.until(lambda d: d.find_element(By.ID, "retention-preview-list"))
        expected = s.request("POST", "/api/retention/preview", {"retention": {"enabled": True, "keep_all_days": 1, "thin_to_per_hour": 1}})["data"]
        mine = next(c for c in expected["cameras"] if c["camera_id"] == self.camera)
        self.assertGreaterEqual(mine["frames_to_delete"], 1)
        self.assertIn(f'{plural(expected["frames_to_delete"], "frame")}', preview.text)
        self.assertIn(f'Garden: {plural(mine["frames_to_delete"], "frame")}, {size_text(mine["bytes_to_free"])} would go (',
                      preview.find_element(By.CSS_SELECTOR, f'[data-retention-camera="{self.camera}"]').text)
        self.assertEqual(s.get(f"/api/timelapses/{self.timelapse}")["image_count"], frames_before, "a preview deletes nothing")

        # Thin days before keep-all days: the server's 422 at its field; nothing saved.
        self.set_value("retention-keep_all_days", "30")
        self.set_value("retention-thin_days", "7")
        self.driver.find_element(By.ID, "retention-save").click()
        self.wait_text("retention-error-thin-days", "must be at least keep_all_days")
        self.assertEqual(self.driver.find_element(By.ID, "retention-thin_days").get_attribute("aria-invalid"), "true")
        self.assertFalse(s.get("/api/settings")["retention"]["enabled"])
        self.assertIsNone(s.get("/api/settings")["retention"]["keep_all_days"])

        # Saved, every field; then off again at once (the scheduler would apply an enabled policy).
        self.set_value("retention-thin_days", "60")
        self.set_value("retention-per_day-count", "1")
        self.set_value("retention-per_day-near", "12:00")
        self.set_value("retention-max_bytes", "50")
        self.set_value("retention-video_retention_days", "90")
        self.driver.find_element(By.ID, "retention-enabled").click()
        try:
            self.driver.find_element(By.ID, "retention-save").click()
            self.wait.until(lambda d: s.get("/api/settings")["retention"]["enabled"])
        finally:
            saved = s.get("/api/settings")["retention"]
            s.request("PATCH", "/api/settings", {"retention": {"enabled": False}})
        self.assertEqual(saved, {"enabled": True, "keep_all_days": 30, "thin_to_per_hour": 1, "thin_days": 60,
                                 "per_day": {"count": 1, "near": "12:00"}, "max_bytes": 50 * 1024 ** 3, "video_retention_days": 90})
        self.assertEqual(self.text_of("retention-error-thin-days"), "")

        # Apply now states the saved policies' figures first (all off now: nothing); dismissed, it runs nothing.
        self.driver.find_element(By.ID, "retention-apply").click()
        alert = self.wait.until(expected_conditions.alert_is_present())
        self.assertIn("Apply the saved retention policies now? 0 frames and 0 videos will be deleted", alert.text)
        alert.dismiss()

        # Regenerate All asks with the dry run's estimate; dismissed, nothing is queued.
        estimate = s.request("POST", "/api/thumbnails/regenerate-all?dry_run=true", {"force": True})["data"]
        self.driver.find_element(By.ID, "regenerate-all").click()
        alert = self.wait.until(expected_conditions.alert_is_present())
        text = alert.text
        alert.dismiss()
        self.assertIn(f'Regenerate thumbnails and smalls of {estimate["jobs_to_queue"]} images? About ', text)
        self.assertRegex(text, r"About \d+(\.\d)? (s|min|h) \(~\d+(\.\d)? (B|KB|MB|GB) written\)")
        self.wait_text("maintenance-result", "Regeneration not started")
        self.assertEqual(s.get("/api/health")["queue"]["pending"], 0)
        self.assertEqual(s.get(f"/api/timelapses/{self.timelapse}")["image_count"], frames_before)

    def test_11_cleanup_past_its_limit_asks_and_a_foreign_data_directory_is_a_banner(self):
        s = self.server
        folder = os.path.join(s.dir, "cameras", f"camera-{self.camera}", f"timelapse-{self.timelapse}", "thumbnails")
        source = os.path.join(folder, sorted(os.listdir(folder))[0])
        orphans = [os.path.join(folder, f"timelapse-{self.timelapse}_thumb_day{20 + i:03d}_235959.jpg") for i in range(6)]
        for orphan in orphans:  # more than 1 % of the few hundred variant files the earlier tests made
            shutil.copy(source, orphan)
        s.request("PATCH", "/api/settings", {"cleanup_max_delete_percent": 1})
        try:
            # Past cleanup_max_delete_percent the real run is refused with its reason; Delete anyway asks, then forces it.
            self.open("#/settings")
            self.driver.refresh()  # a fresh page: no toast left over on the buttons
            self.wait.until(lambda d: d.find_element(By.ID, "cleanup-orphans")).click()
            self.wait.until(lambda d: d.find_element(By.ID, "cleanup-confirm")).click()
            self.wait_text("maintenance-result", "Refused: cleanup would delete 6 of ")
            self.assertTrue(all(os.path.exists(o) for o in orphans))
            self.driver.find_element(By.ID, "cleanup-anyway").click()
            self.wait.until(expected_conditions.alert_is_present()).accept()
            self.wait_text("maintenance-result", "6 files deleted")
            self.assertFalse(any(os.path.exists(o) for o in orphans))
        finally:
            s.request("PATCH", "/api/settings", {"cleanup_max_delete_percent": 50})

        # Another instance's marker in the data directory: a banner on every page says so, and goes once it is back.
        marker = os.path.join(s.dir, ".timelapser-data-id")
        with open(marker) as f:
            original = f.read()

        def write_marker(text):
            with open(marker + ".tmp", "w") as f:
                f.write(text)
            os.replace(marker + ".tmp", marker)
        try:
            write_marker("11111111-2222-3333-4444-555555555555\n")
            self.open("#/")
            self.driver.refresh()
            self.wait.until(lambda d: d.find_element(By.ID, "health-banner").is_displayed())
            self.assertIn("belongs to another instance", self.text_of("health-data-dir"))
        finally:
            write_marker(original)
        self.driver.find_element(By.CSS_SELECTOR, 'a[data-nav="settings"]').click()
        self.wait.until(lambda d: not d.find_element(By.ID, "health-banner").is_displayed())

    # ---------- users and sign-in ----------
    def login_form_shown(self, _driver=None):
        forms = self.driver.find_elements(By.ID, "login-form")
        return bool(forms) and forms[0].is_displayed()

    def sign_in(self, name, password):
        self.wait.until(self.login_form_shown)
        self.set_value("login-username", name)
        self.set_value("login-password", password)
        self.driver.find_element(By.ID, "login-submit").click()

    def browser_fetch(self, method, path, body=None):
        """The status of a fetch made by the page (its cookie, its Origin)."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[1], {method: arguments[0], headers: {'Content-Type': 'application/json'}, body: arguments[2]})"
            ".then(r => done(r.status), e => done(String(e)));", method, path, None if body is None else json.dumps(body))

    def test_12_sign_in_sign_out_back_and_roles(self):
        s = self.access_server()
        self.driver.delete_all_cookies()
        try:
            self.driver.get(s.url("/#/"))
            self.wait.until(self.login_form_shown)
            self.assertEqual(s.request("GET", "/api/cameras")["status_code"], 401, "nothing private without signing in")
            self.assertFalse(self.driver.find_element(By.ID, "main").is_displayed())
            self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "nav a[data-nav]")[0].is_displayed(), False)
            self.screenshot("dashboard-login.png")

            # A wrong password: the server's message at the form, still signed out.
            self.sign_in("admin", "not-the-password")
            self.wait_text("login-error", "Wrong user name, password or code")
            self.assertTrue(self.login_form_shown())

            # The admin: the cameras page, a camera added with the form, the user and role in the header.
            self.set_value("login-password", self.ADMIN[2])
            self.driver.find_element(By.ID, "login-submit").click()
            self.wait_text("account", "admin")
            self.assertEqual(self.text_of("account-role"), "admin")
            self.wait.until(lambda d: d.find_element(By.ID, "camera-new-form"))
            self.set_value("cam-name", "Porch secret")
            self.driver.find_element(By.ID, "cam-save").click()
            link = self.wait.until(lambda d: d.find_element(By.LINK_TEXT, "Porch secret"))
            camera = int(link.get_attribute("href").rsplit("/", 1)[1])
            link.click()  # a second history entry: the camera's page
            self.wait_text("camera-title", "Porch secret")

            # Sign out: the sign-in page; Back (to the cameras page's entry) shows it too, and nothing of the camera.
            self.driver.find_element(By.ID, "sign-out").click()
            self.wait.until(self.login_form_shown)
            self.wait_text("login-note", "You have signed out")
            self.driver.back()
            time.sleep(1)
            self.assertTrue(self.login_form_shown(), "Back after signing out shows the sign-in page")
            self.assertNotIn("Porch secret", self.driver.find_element(By.TAG_NAME, "body").text)
            self.assertNotIn("Porch secret", self.driver.page_source)
            self.assertEqual(self.browser_fetch("GET", "/api/cameras"), 401, "the session ended on the server")
            self.driver.refresh()
            self.wait.until(self.login_form_shown)
            self.assertNotIn("Porch secret", self.driver.page_source)

            # The viewer sees the camera but no write action; the server refuses one anyway.
            self.sign_in(*self.VIEWER[::2])
            self.wait_text("account", "vic")
            self.assertEqual(self.text_of("account-role"), "viewer")
            card = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-camera="{camera}"] .actions'))
            self.assertIn("Porch secret", self.driver.find_element(By.CSS_SELECTOR, f'[data-camera="{camera}"]').text)
            self.assertEqual(self.driver.find_elements(By.ID, "camera-new-form"), [], "no Add camera for a viewer")
            self.assertNotIn("Start timelapse", card.text)
            self.assertIn("Camera", card.text)
            self.assertEqual(self.browser_fetch("POST", "/api/cameras", {"name": "Sneaky"}), 403)
            self.driver.get(s.url(f"/#/cameras/{camera}"))
            self.wait_text("camera-title", "Porch secret")
            self.wait.until(lambda d: d.find_element(By.ID, "camera-status"))
            self.assertEqual(self.driver.find_elements(By.ID, "camera-edit-form"), [])
            self.driver.get(s.url("/#/settings"))
            quality = self.wait.until(lambda d: d.find_element(By.ID, "setting-thumbnail_quality"))
            self.assertFalse(quality.is_enabled(), "a viewer's settings are read only")
            self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "#settings-form button[type=submit]"), [])
            self.assertEqual(self.driver.find_elements(By.ID, "regenerate-all"), [])
            self.assertEqual(self.driver.find_elements(By.ID, "webhooks-panel"), [])
            self.driver.find_element(By.ID, "sign-out").click()
            self.wait.until(self.login_form_shown)
        finally:
            self.driver.delete_all_cookies()

    def test_13_account_password_tokens_users_and_throttling(self):
        s = self.access_server()
        self.driver.delete_all_cookies()
        try:
            self.driver.get(s.url("/#/account"))
            self.sign_in(*self.ADMIN[::2])
            self.wait.until(lambda d: d.find_element(By.ID, "new-token-form"))

            # A read token, shown once: it reads through the API, cannot write, and stops working once revoked.
            self.set_value("token-name", "backup script")
            self.driver.find_element(By.ID, "token-create").click()
            token = self.wait.until(lambda d: d.find_element(By.ID, "new-token").text)
            self.assertTrue(s.request("GET", "/api/cameras", token=token)["success"])
            self.assertEqual(s.request("POST", "/api/cameras", {"name": "x"}, token=token)["status_code"], 403)
            row = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#tokens [data-token]"))
            self.assertIn("backup script", row.text)
            self.assertIn("read", row.text)
            row.find_element(By.CSS_SELECTOR, ".token-revoke").click()
            self.wait.until(expected_conditions.alert_is_present()).accept()
            self.wait.until(lambda d: d.find_elements(By.ID, "tokens-empty"))
            self.assertEqual(s.request("GET", "/api/cameras", token=token)["status_code"], 401)

            # Users: an operator added with the form, listed; then removed.
            self.set_value("user-name", "olga")
            self.set_value("user-password", "operator-password-1")
            Select(self.driver.find_element(By.ID, "user-role")).select_by_value("operator")
            self.driver.find_element(By.ID, "user-add").click()
            olga = self.wait.until(lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "#users [data-user]") if "olga" in r.text), None))
            self.assertIn("operator", olga.text)
            olga.find_element(By.CSS_SELECTOR, ".user-remove").click()
            self.wait.until(expected_conditions.alert_is_present()).accept()
            self.wait.until(lambda d: "olga" not in d.find_element(By.ID, "users").text)

            # A wrong current password is the server's 422 at its field; the session stays.
            self.set_value("password-current", "not-the-password")
            self.set_value("password-new", "another-password-2")
            self.driver.find_element(By.ID, "password-save").click()
            self.wait_text("account-error-current-password", "current_password")
            self.assertFalse(self.login_form_shown())

            # A session ended elsewhere (the admin ends the viewer's): the next call leads back to the sign-in page.
            self.driver.find_element(By.ID, "sign-out").click()
            self.sign_in(*self.VIEWER[::2])
            self.wait_text("account", "vic")
            self.assertEqual(self.driver.find_elements(By.ID, "users-panel"), [], "users are for admins")
            viewer = next(u for u in s.request("GET", "/api/users", token=self.admin_token(s))["data"] if u["username"] == "vic")
            s.request("POST", f"/api/users/{viewer['id']}/revoke-sessions", token=self.admin_token(s))
            self.driver.find_element(By.CSS_SELECTOR, 'a[data-nav="cameras"]').click()
            self.wait.until(self.login_form_shown)
            self.wait_text("login-note", "Your session has ended")
            self.assertEqual(self.driver.find_element(By.ID, "main").text, "")

            # Ten failures in a row: the next try is refused with its wait.
            for _ in range(10):
                s.request("POST", "/api/auth/login", {"username": "vic", "password": "wrong-password-0"})
            self.sign_in(*self.VIEWER[::2])
            self.wait_text("login-error", "Too many attempts, try again in ")
            self.assertRegex(self.text_of("login-error"), r"try again in \d+ s")
        finally:
            self.driver.delete_all_cookies()

    def admin_token(self, s):
        """A write token of the admin, made once through the API with a session cookie."""
        if not getattr(self, "_admin_token", None):
            jar = urllib.request.HTTPCookieProcessor()
            opener = urllib.request.build_opener(jar)
            login = urllib.request.Request(s.url("/api/auth/login"), method="POST", headers={"Content-Type": "application/json"},
                                           data=json.dumps({"username": self.ADMIN[0], "password": self.ADMIN[2]}).encode())
            opener.open(login, timeout=30).read()
            made = urllib.request.Request(s.url("/api/tokens"), method="POST",
                                          headers={"Content-Type": "application/json", "Origin": s.url("")},
                                          data=json.dumps({"name": "test admin", "scopes": ["write"]}).encode())
            type(self)._admin_token = json.loads(opener.open(made, timeout=30).read())["data"]["token"]
        return self._admin_token


def by_number(a, b):
    """test_2 before test_10: the tests run in the order of their numbers."""
    key = lambda name: (int(name.split("_")[1]) if name.split("_")[1].isdigit() else 0, name)
    return (key(a) > key(b)) - (key(a) < key(b))


if __name__ == "__main__":
    unittest.defaultTestLoader.sortTestMethodsUsing = by_number
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"browser: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
