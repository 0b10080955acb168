#!/usr/bin/python3
"""Dashboard tests in a real browser (headless Chromium through Selenium) against a real server.

The server is the real `timelapser serve` binary on a scratch data directory and SQLite database; frames are real
JPEGs posted through the API. Set SCREENSHOTS_DIR to also save screenshots of the three pages.
"""
import io, json, os, shutil, socket, subprocess, sys, tempfile, time, unittest, urllib.request, urllib.error

from PIL import Image, ImageDraw
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

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
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="timelapser-browser-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.process = subprocess.Popen([BINARY, "serve", "--data-dir", self.dir, "--port", str(self.port), "--workers", "2"],
                                        stdout=self.log, stderr=subprocess.STDOUT)
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

    def request(self, method, path, body=None, content_type="application/json"):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
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
        cls.driver = browser()
        cls.wait = WebDriverWait(cls.driver, 20)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()

    def open(self, hash_path):
        self.driver.get(self.server.url("/" + hash_path))

    def screenshot(self, name):
        folder = os.environ.get("SCREENSHOTS_DIR")
        if folder:
            os.makedirs(folder, exist_ok=True)
            time.sleep(0.5)
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


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"browser: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
