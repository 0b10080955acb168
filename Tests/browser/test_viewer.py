#!/usr/bin/python3
"""The timelapse viewer in a real browser (headless Chromium through Selenium) against a real server: the film-strip
player, ThumbHash placeholders, the virtualised frame grid, and the dashboard's accessibility, phone width, dark mode
and web app manifest.

Frames are real JPEGs posted through the API (three days of captures); the 100,000-frame grid uses a fast fixture:
rows cloned in the server's SQLite file from a real capture (every clone shares its real thumbnail and small), with
the timelapse's counters kept consistent. The accessibility checks run axe-core, fetched once by fetch-axe.sh into
.cache/axe. Set SCREENSHOTS_DIR to also save player.png, grid.png, phone.png and dark.png.
"""
import io, json, os, sqlite3, subprocess, sys, time, unittest, urllib.request

from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from test_dashboard import ROOT, Server, browser, by_number

AXE = os.path.join(ROOT, ".cache", "axe", "axe.min.js")


def clone_frames(server, timelapse, count, start, step):
    """Adds `count` frames to `timelapse` straight into the server's SQLite file, captured every `step` seconds from
    `start` (unix seconds): copies of its real frames (their thumbnail, small, ThumbHash), each under its own frame
    name, in one transaction, with the timelapse's counters raised to match."""
    db = sqlite3.connect(os.path.join(server.dir, "timelapser.sqlite"), timeout=30)
    try:
        columns = [c[1] for c in db.execute("PRAGMA table_info(images)") if c[1] != "id"]
        sources = [dict(zip(columns, row)) for row in db.execute(
            f"SELECT {', '.join(columns)} FROM images WHERE timelapse_id = ? ORDER BY captured_at", (timelapse,))]
        started = db.execute("SELECT started_at FROM timelapses WHERE id = ?", (timelapse,)).fetchone()[0]
        first_day = started - started % 86400  # the test cameras' zone is UTC
        now = time.time()
        rows, files, total = [], {"thumbnail_path": 0, "small_path": 0}, {"file_size": 0, "thumbnail_size": 0, "small_size": 0}
        for k in range(count):
            row = dict(sources[k % len(sources)])
            at = start + k * step
            row.update(captured_at=float(at), created_at=now, day_number=int((at - first_day) // 86400) + 1,
                       file_path=row["file_path"].replace(".jpg", f"_clone{k:06d}.jpg"))
            rows.append(tuple(row[c] for c in columns))
            for key in files:
                files[key] += 1 if row[key] else 0
            for key in total:
                total[key] += row[key] or 0
        with db:
            db.executemany(f"INSERT INTO images ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
            db.execute("UPDATE timelapses SET image_count = image_count + ?, thumbnail_count = thumbnail_count + ?, "
                       "small_count = small_count + ?, frame_bytes = frame_bytes + ?, thumbnail_bytes = thumbnail_bytes + ?, "
                       "small_bytes = small_bytes + ? WHERE id = ?",
                       (count, files["thumbnail_path"], files["small_path"], total["file_size"], total["thumbnail_size"],
                        total["small_size"], timelapse))
    finally:
        db.close()


def axe_source():
    """axe.min.js, fetched once by fetch-axe.sh (pip download of a wheel); None when it could not be had (offline)."""
    if not os.path.exists(AXE):
        subprocess.run([os.path.join(ROOT, "Tests", "browser", "fetch-axe.sh")])
    if not os.path.exists(AXE):
        return None
    with open(AXE, encoding="utf-8") as f:
        return f.read()


class ViewerTests(unittest.TestCase):
    DAY = 86400
    START = 1777622400  # 2026-05-01T08:00:00Z

    @classmethod
    def setUpClass(cls):
        cls.server = s = Server()
        cls.camera = s.request("POST", "/api/cameras", {"name": "Meadow"})["data"]["id"]
        s.request("PATCH", f"/api/cameras/{cls.camera}", {"capture_interval_seconds": 1800})
        cls.timelapse = s.request("POST", f"/api/cameras/{cls.camera}/timelapses", {"name": "May meadow", "started_at": "2026-05-01T06:00:00Z"})["data"]["id"]
        # Three days of eight frames every half hour from 08:00: 24 real captures. On the second day the camera was
        # down from 09:40 to 11:20, so its frames after 09:30 start at 11:30 (a two-hour gap).
        cls.times = [cls.START + d * cls.DAY + k * 1800 + (7200 - 1800 if d == 1 and k >= 4 else 0) for d in range(3) for k in range(8)]
        for i, at in enumerate(cls.times):
            s.capture(cls.camera, i, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)))
        s.wait_idle()
        db = sqlite3.connect(os.path.join(s.dir, "timelapser.sqlite"), timeout=30)
        with db:
            db.execute("INSERT INTO camera_outages (camera_id, started_at, ended_at, failed_grabs, last_error) VALUES (?, ?, ?, 5, 'timed out')",
                       (cls.camera, cls.START + cls.DAY + 6000, cls.START + cls.DAY + 12000))
        db.close()
        cls.ids = [image["id"] for image in s.get(f"/api/timelapses/{cls.timelapse}/images?limit=100")]
        cls.driver = browser()
        cls.wait = WebDriverWait(cls.driver, 20, ignored_exceptions=[StaleElementReferenceException])

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()
        if cls.users_server:
            cls.users_server.stop()

    users_server = None

    # ---------- helpers ----------
    def open(self, hash_path, server=None):
        """A fresh page (another address first: a change of the hash alone would keep the page as it was)."""
        self.driver.get("about:blank")
        self.driver.get((server or self.server).url("/" + hash_path))

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def stats(self):
        return self.js("return window.timelapserPlayer ? window.timelapserPlayer.stats() : null")

    def media(self, **features):
        """Emulated media features (prefers-color-scheme, prefers-reduced-motion); none given: back to the system's."""
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": k.replace("_", "-"), "value": v} for k, v in features.items()]})

    def screenshot(self, name):
        folder = os.environ.get("SCREENSHOTS_DIR")
        if folder:
            os.makedirs(folder, exist_ok=True)
            time.sleep(0.5)
            self.js("document.getElementById('toast').classList.remove('show')")
            self.driver.save_screenshot(os.path.join(folder, name))

    def open_player(self, timelapse=None, reduced=True):
        """The timelapse page with its player ready; with `reduced` motion it does not start playing by itself."""
        self.media(prefers_reduced_motion="reduce" if reduced else "no-preference")
        self.open(f"#/timelapses/{timelapse or self.timelapse}")
        self.wait.until(lambda d: self.stats() is not None and self.stats()["painted"] != "none")

    def wait_index(self, frame, timeout=10):
        WebDriverWait(self.driver, timeout).until(lambda d: self.stats()["index"] == frame and self.stats()["imageId"] == self.ids[frame],
                                                  f"the player never showed frame {frame}: {self.stats()}")

    # ---------- the player ----------
    def test_1_player_plays_scrubs_steps_and_renders_same_time_every_day(self):
        self.open_player()
        self.assertFalse(self.stats()["playing"], "no autoplay when the system asks for reduced motion")
        self.assertEqual(self.stats()["length"], 24)

        # Plays: at 4 frames/s the play head moves on by several frames in 2 s.
        speed = self.driver.find_element(By.ID, "player-speed")
        speed.clear()
        speed.send_keys("4")
        self.driver.find_element(By.ID, "player-play").click()
        time.sleep(2)
        played = self.stats()
        self.assertTrue(played["playing"])
        self.assertGreaterEqual(played["index"], 4, played)
        self.assertGreaterEqual(played["shown"], 4, played)
        self.driver.find_element(By.ID, "player-play").click()
        self.assertFalse(self.stats()["playing"])

        # Scrubs: moving the scrubber shows that frame.
        self.js("const s = document.getElementById('player-scrubber'); s.value = 17;"
                "s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true}));")
        self.wait_index(17)
        self.wait.until(lambda d: self.stats()["painted"] == "small")
        self.assertIn("May", self.driver.find_element(By.ID, "player-position").text)

        # Steps with the keyboard: → and ← a frame, Shift+→ to the next day's first frame, Shift+← back, Space plays.
        canvas = self.driver.find_element(By.ID, "player-canvas")
        canvas.click()
        ActionChains(self.driver).send_keys(Keys.ARROW_RIGHT).perform()
        self.wait_index(18)
        ActionChains(self.driver).send_keys(Keys.ARROW_LEFT).send_keys(Keys.ARROW_LEFT).perform()
        self.wait_index(16)
        self.js("window.timelapserPlayer.seek(3)")
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT).key_up(Keys.SHIFT).perform()
        self.wait_index(8)
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT).key_up(Keys.SHIFT).perform()
        self.wait_index(16)
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ARROW_LEFT).key_up(Keys.SHIFT).perform()
        self.wait_index(8)
        ActionChains(self.driver).send_keys(" ").perform()
        self.wait.until(lambda d: self.stats()["playing"])
        ActionChains(self.driver).send_keys(" ").perform()
        self.wait.until(lambda d: not self.stats()["playing"])
        self.js("document.getElementById('player').scrollIntoView()")
        self.screenshot("player.png")

        # Same time every day: one frame a day, the one nearest 10:00 (the third of each day).
        self.driver.find_element(By.ID, "player-same-time").click()
        self.js("const t = document.getElementById('player-time'); t.value = '10:00'; t.dispatchEvent(new Event('change', {bubbles: true}));")
        self.wait.until(lambda d: self.stats()["length"] == 3)
        self.js("window.timelapserPlayer.seek(0)")
        self.wait_index(4)
        self.driver.find_element(By.ID, "player-next").click()
        self.wait_index(11)  # 09:30: the camera was down at 10:00 on the second day

        # Render this: the played selection as a render, after the dry run's figures are confirmed.
        self.driver.find_element(By.ID, "player-render").click()
        alert = self.wait.until(expected_conditions.alert_is_present())
        self.assertIn("Render 3 frames", alert.text)
        alert.accept()
        video = self.wait.until(lambda d: next(iter(self.server.get(f"/api/timelapses/{self.timelapse}/videos")), None))
        settings = video["settings"]
        self.assertEqual(settings["per_day"], {"count": 1, "near": "10:00"})
        self.assertEqual(settings["fps"], 4)
        self.assertEqual((settings["from"][:19], settings["to"][:19]), ("2026-05-01T08:00:00", "2026-05-03T11:30:01"))
        self.driver.find_element(By.ID, "player-same-time").click()
        self.wait.until(lambda d: self.stats()["length"] == 24)

    def test_2_playing_past_the_budget_releases_frames(self):
        # Without reduced motion the player starts by itself.
        self.open_player(reduced=False)
        self.wait.until(lambda d: self.stats()["shown"] > 0)
        # A budget of 6 decoded frames, then all 24 played at 24 frames/s: no more than 6 held at any time.
        self.js("""
            const p = window.timelapserPlayer;
            p.pause();
            p.setBudget(6);
            p.seek(0);
            window.__maxHeld = 0;
            window.__sampler = setInterval(() => { window.__maxHeld = Math.max(window.__maxHeld, p.stats().held); }, 5);
            p.play();""")
        self.wait.until(lambda d: not self.stats()["playing"] and self.stats()["index"] == 23)
        stats = self.stats()
        max_held = self.js("clearInterval(window.__sampler); return window.__maxHeld")
        self.assertLessEqual(max_held, 6, stats)
        self.assertLessEqual(stats["held"], 6)
        self.assertGreaterEqual(stats["shown"], 20, stats)
        self.assertGreater(stats["evicted"], 0, "frames played past were released")
        self.assertEqual(self.js("return document.getElementById('player').dataset.budget"), "6")

    # ---------- placeholders ----------
    def tiles(self):
        """The tiles in the page: {image id: [width, height, placeholder painted, thumbnail loaded]}."""
        return self.js("""const out = {};
            for (const t of document.querySelectorAll('#frames .frame')) {
              const r = t.getBoundingClientRect(), i = t.querySelector('img');
              out[t.dataset.image] = [r.width, r.height, t.style.backgroundImage.startsWith('url("data:image/png'), i.complete && i.naturalWidth > 0];
            }
            return out;""")

    def test_3_placeholders_come_before_images(self):
        images = self.server.get(f"/api/timelapses/{self.timelapse}/images?limit=100")
        self.assertTrue(all(i["thumbhash"] for i in images), "the server gives every frame its ThumbHash")
        # Thumbnails and smalls held back: every tile shows its ThumbHash, the player too; no tile is blank.
        # (No cache: the earlier tests' thumbnails would come from it.)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/thumbnail?v=*", "*/small?v=*", "*inline=true*"]})
        try:
            self.open_player()
            self.wait.until(lambda d: len(self.tiles()) >= 8 and all(t[2] for t in self.tiles().values()))
            before = self.tiles()
            self.assertFalse(any(t[3] for t in before.values()), "no thumbnail got through: what shows is the placeholder")
            self.assertEqual(self.js("return getComputedStyle(document.querySelector('#frames .frame img')).transitionDuration"), "0s",
                             "no fade-in when motion is to be reduced")
            self.assertEqual(self.stats()["painted"], "thumbhash")
            self.js("window.timelapserPlayer.seek(5)")
            self.wait.until(lambda d: self.stats()["index"] == 5 and self.stats()["painted"] == "thumbhash")
        finally:
            self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
            self.driver.execute_cdp_cmd("Network.disable", {})
        # With the images: each tile loads its thumbnail into the same box (nothing moves), the player its small.
        self.open_player()
        self.wait.until(lambda d: all(t[3] for t in self.tiles().values()) and self.tiles().keys() == before.keys())
        after = self.tiles()
        self.assertEqual({k: v[:2] for k, v in after.items()}, {k: v[:2] for k, v in before.items()})
        self.wait.until(lambda d: self.stats()["painted"] == "small")

        # The decoder (thumbhash.js): a placeholder looks like its thumbnail (each colour channel within 8 % on average,
        # pixel by pixel at 32 px), and decodes the encoder's test images (Tests/Fixtures) to their shape and alpha.
        differences = self.js("""
            return [...document.querySelectorAll('#frames .frame')].slice(0, 6).map(tile => {
              const hash = thumbHashBytes(arguments[0][tile.dataset.image]);
              const { w, h, rgba } = thumbHashPixels(hash);
              const c = document.createElement('canvas'); c.width = w; c.height = h;
              const g = c.getContext('2d'); g.drawImage(tile.querySelector('img'), 0, 0, w, h);
              const real = g.getImageData(0, 0, w, h).data;
              let sum = 0;
              for (let i = 0; i < rgba.length; i++) if (i % 4 !== 3) sum += Math.abs(rgba[i] - real[i]);
              return sum / (w * h * 3);
            });""", {str(i["id"]): i["thumbhash"] for i in images})
        self.assertTrue(differences and all(d < 20 for d in differences), differences)
        with open(os.path.join(ROOT, "Tests", "Fixtures", "thumbhash-vectors.json")) as f:
            vectors = json.load(f)
        decoded = self.js("""return arguments[0].map(v => {
            const { w, h, rgba } = thumbHashPixels(thumbHashBytes(v.thumbhash));
            const mean = [0, 0, 0, 0];
            for (let i = 0; i < rgba.length; i++) mean[i % 4] += rgba[i] / (w * h);
            return [v.name, w, h, mean.map(Math.round)];
          });""", vectors)
        shapes = {name: (w, h, mean) for name, w, h, mean in decoded}
        for v in vectors:
            w, h, _ = shapes[v["name"]]
            self.assertLessEqual(max(w, h), 32)
            self.assertAlmostEqual(w / h, v["width"] / v["height"], delta=0.3, msg=v["name"])
        self.assertEqual(shapes["disc-100x100"][:2], (32, 32))
        self.assertLess(shapes["transparent-8x8"][2][3], 10, "transparent stays transparent")
        self.assertTrue(80 < shapes["alpha-37x23"][2][3] < 160, "half transparent on average")
        self.assertEqual(shapes["gradient-100x75"][2][3], 255, "opaque stays opaque")
        r, g, b, _ = shapes["grey-100x75"][2]
        self.assertLess(max(r, g, b) - min(r, g, b), 8, "grey stays grey")

    # ---------- the grid ----------
    def test_4_grid_of_100000_frames_stays_small_in_the_page(self):
        s = self.server
        camera = s.request("POST", "/api/cameras", {"name": "Field"})["data"]["id"]
        timelapse = s.request("POST", f"/api/cameras/{camera}/timelapses", {"name": "Field year", "started_at": "2026-01-01T00:00:00Z"})["data"]["id"]
        s.capture(camera, 3, "2026-01-01T00:00:00Z")
        s.wait_idle()
        clone_frames(s, timelapse, 99_999, 1767225600 + 300, 300)  # every 5 minutes after the real one: 347 days
        self.assertEqual(s.get(f"/api/timelapses/{timelapse}")["image_count"], 100_000)
        self.open_player(timelapse)
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#frames .frame img[src]"))
        scroller = self.driver.find_element(By.ID, "frames-scroll")
        height = self.js("return arguments[0].scrollHeight", scroller)
        self.assertGreater(height, 100_000 / 10 * 100, "the grid is as tall as all its rows")
        # Through the whole grid in 25 jumps: never more than a few screens of tiles in the page.
        most = 0
        for k in range(26):
            self.js("arguments[0].scrollTop = arguments[1]", scroller, height * k / 25)
            time.sleep(0.05)
            counts = self.js("return [document.querySelectorAll('#frames img').length, document.querySelectorAll('#frames .frame').length]")
            most = max(most, *counts)
        self.assertLess(most, 500)
        # The end: the last day's header and the last frame's tile.
        last = s.get(f"/api/timelapses/{timelapse}/images?limit=1&offset=99999")[0]
        last_day = last["captured_at"][:10]
        self.js("arguments[0].scrollTop = arguments[0].scrollHeight", scroller)
        tile = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'#frames .frame[data-image="{last["id"]}"]'))
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#frames-scroll .day-sticky [data-day="{last_day}"]'))
        self.wait.until(lambda d: self.js("const i = arguments[0].querySelector('img'); return i.complete && i.naturalWidth > 0", tile))
        # The date jump: that day's header in view.
        self.js("const i = document.getElementById('frames-date'); i.value = '2026-07-14'; i.dispatchEvent(new Event('change', {bubbles: true}));")
        header = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '#frames .day-header[data-day="2026-07-14"]'))
        self.assertTrue(self.js("const r = arguments[0].getBoundingClientRect(), v = arguments[1].getBoundingClientRect();"
                                "return r.top >= v.top - 1 && r.bottom <= v.bottom + 1", header, scroller))
        # Keyboard: Home and End go to the first and last tiles, scrolling them into the page.
        self.driver.find_element(By.CSS_SELECTOR, '#frames .frame[tabindex="0"]').send_keys(Keys.HOME)
        self.wait.until(lambda d: self.js("return document.activeElement.dataset.index") == "0")
        self.driver.switch_to.active_element.send_keys(Keys.END)
        self.wait.until(lambda d: self.js("return document.activeElement.dataset.image") == str(last["id"]))
        self.assertLess(len(self.driver.find_elements(By.CSS_SELECTOR, "#frames img")), 500)
        # The player spans the whole timelapse too.
        self.assertEqual(self.stats()["length"], 100_000)
        self.js("window.timelapserPlayer.seek(99999)")
        self.wait.until(lambda d: self.stats()["imageId"] == last["id"])

    def test_5_grid_keys_open_select_render_and_delete(self):
        self.open_player()
        first = self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '#frames .frame[data-index="0"]'))
        # Keyboard: Tab reaches a tile, arrows move, Enter opens the frame viewer.
        first.send_keys(Keys.ARROW_RIGHT)
        self.wait.until(lambda d: self.js("return document.activeElement.dataset.index") == "1")
        self.driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        self.wait.until(lambda d: int(self.js("return document.activeElement.dataset.index")) > 1)
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait.until(lambda d: d.find_element(By.ID, "frame-dialog").get_attribute("open") is not None)
        self.wait.until(lambda d: self.js("const i = document.getElementById('frame-img'); return i.complete && i.naturalWidth > 0"))
        self.driver.find_element(By.ID, "frame-close").click()
        # Gaps: the two nights and the two hours of the second day, which its header notes with the outage.
        self.assertEqual(sorted(int(g.get_attribute("data-gap-seconds")) for g in self.driver.find_elements(By.CSS_SELECTOR, "#frames .frame-gap")),
                         [7200, 68400, 73800])
        self.assertIn("1 gap · camera down once", self.driver.find_element(By.CSS_SELECTOR, '#frames .day-header[data-day="2026-05-02"]').text)
        self.js("document.getElementById('frames-panel').scrollIntoView()")
        self.screenshot("grid.png")

        # A range: click, then Shift+click; "Render selection" renders it at the player's speed.
        self.driver.find_element(By.ID, "frames-select").click()
        self.driver.find_element(By.CSS_SELECTOR, '#frames .frame[data-index="2"]').click()
        ActionChains(self.driver).key_down(Keys.SHIFT).click(self.driver.find_element(By.CSS_SELECTOR, '#frames .frame[data-index="5"]')).key_up(Keys.SHIFT).perform()
        self.wait.until(lambda d: "4 frames selected" in d.find_element(By.ID, "frames-selected-text").text)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#frames .frame.selected")), 4)
        before = {v["id"] for v in self.server.get(f"/api/timelapses/{self.timelapse}/videos")}
        self.driver.find_element(By.ID, "frames-render").click()
        alert = self.wait.until(expected_conditions.alert_is_present())
        self.assertIn("Render 4 frames", alert.text)
        alert.accept()
        video = self.wait.until(lambda d: next((v for v in self.server.get(f"/api/timelapses/{self.timelapse}/videos") if v["id"] not in before), None))
        self.assertEqual((video["settings"]["from"][:19], video["settings"]["to"][:19]), ("2026-05-01T09:00:00", "2026-05-01T10:30:01"))

        # Delete asks, then deletes the range's frames; the grid and the player follow.
        self.driver.find_element(By.ID, "frames-delete").click()
        alert = self.wait.until(expected_conditions.alert_is_present())
        self.assertIn("Delete 4 frames", alert.text)
        alert.accept()
        self.wait.until(lambda d: self.server.get(f"/api/timelapses/{self.timelapse}")["image_count"] == 20)
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#frames .frame")) == 20 and self.stats()["length"] == 20)
        for image_id in self.ids[2:6]:
            self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, f'#frames .frame[data-image="{image_id}"]'), [])
        type(self).ids = self.ids[:2] + self.ids[6:]

    # ---------- accessibility, phone, dark, manifest ----------
    def axe_violations(self):
        """Serious and critical axe-core violations of the page as it is: 'id: help (targets)' lines."""
        if not self.js("return !!window.axe"):
            self.js(axe_source())
        # axe-core 3.1 predates the one-time-code autocomplete token (in HTML since 2018): taught it here.
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations'], checks: {'autocomplete-valid': {options: {standaloneTerms: ['one-time-code']}}}})"
            ".then(r => done(r.violations), e => done(String(e)));")
        self.assertIsInstance(result, list, result)
        return [f'{v["id"]}: {v["help"]} ({", ".join(" ".join(n["target"]) for n in v["nodes"][:6])})'
                for v in result if v["impact"] in ("serious", "critical")]

    def pages(self):
        """Every page of the dashboard with what shows it is ready."""
        return [("#/", "#cameras [data-camera]"), (f"#/cameras/{self.camera}", "#timeline svg"),
                (f"#/timelapses/{self.timelapse}", "#frames .frame img[src]"), ("#/settings", "#settings-form")]

    def users(self):
        if not type(self).users_server:
            type(self).users_server = Server(users=[("admin", "admin", "long-password-1")])
        return self.users_server

    def each_page(self, check):
        """`check(name)` on every page: the four pages, then the sign-in page and the account page of a server with users."""
        for path, ready in self.pages():
            self.open(path)
            self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))
            time.sleep(0.3)
            check(path)
        s = self.users()
        self.driver.delete_all_cookies()
        try:
            self.open("#/", s)
            self.wait.until(lambda d: d.find_elements(By.ID, "login-form"))
            check("sign-in")
            self.driver.find_element(By.ID, "login-username").send_keys("admin")
            self.driver.find_element(By.ID, "login-password").send_keys("long-password-1")
            self.driver.find_element(By.ID, "login-submit").click()
            self.wait.until(lambda d: d.find_elements(By.ID, "sign-out"))
            self.open("#/account", s)
            self.wait.until(lambda d: d.find_elements(By.ID, "new-token-form"))
            time.sleep(0.3)
            check("account")
        finally:
            self.driver.delete_all_cookies()

    def test_6_axe_finds_nothing_serious_on_any_page_light_and_dark(self):
        if axe_source() is None:
            # `make test` sets TIMELAPSER_REQUIRE_AXE: there a missing axe-core is a failure, not a skip.
            if os.environ.get("TIMELAPSER_REQUIRE_AXE"):
                self.fail("axe-core is not here and fetch-axe.sh could not download it")
            self.skipTest("axe-core is not here and fetch-axe.sh could not download it")
        problems = []
        for scheme in ("light", "dark"):
            self.media(prefers_color_scheme=scheme, prefers_reduced_motion="reduce")
            self.each_page(lambda page: problems.extend(f"{page} ({scheme}): {line}" for line in self.axe_violations()))
        self.media()
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_7_phone_width_has_no_horizontal_overflow(self):
        self.media(prefers_reduced_motion="reduce")
        self.driver.set_window_size(360, 800)
        try:
            width = self.js("return window.innerWidth")
            self.assertLessEqual(width, 400, "the window really is phone-sized")
            wide = []

            def check(page):
                scroll, inner = self.js("return [document.documentElement.scrollWidth, window.innerWidth]")
                if scroll > inner:
                    culprits = self.js("""return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                        .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'))""")
                    wide.append(f"{page}: {scroll} > {inner} ({', '.join(culprits)})")
                if page.startswith("#/timelapses"):
                    self.screenshot("phone.png")
            self.each_page(check)
            self.assertEqual(wide, [], "\n" + "\n".join(wide))
        finally:
            self.driver.set_window_size(1280, 900)
            self.media()

    def test_8_dark_mode_follows_the_system(self):
        def background():
            rgb = self.js("return getComputedStyle(document.body).backgroundColor")
            return [int(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
        self.media(prefers_color_scheme="light", prefers_reduced_motion="reduce")
        self.open(f"#/timelapses/{self.timelapse}")
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#frames .frame img[src]"))
        self.assertGreater(sum(background()) / 3, 200)
        self.media(prefers_color_scheme="dark", prefers_reduced_motion="reduce")
        self.wait.until(lambda d: sum(background()) / 3 < 40)
        self.js("document.getElementById('player').scrollIntoView()")
        ink = self.js("return getComputedStyle(document.body).color")
        self.assertGreater(sum(int(x) for x in ink[ink.index("(") + 1:ink.index(")")].split(",")[:3]) / 3, 200, "light text on it")
        self.screenshot("dark.png")
        self.media()

    def test_9_manifest_and_icons(self):
        with urllib.request.urlopen(self.server.url("/dashboard/manifest.webmanifest"), timeout=10) as response:
            self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/manifest+json")
            manifest = json.loads(response.read())
        self.assertEqual((manifest["name"], manifest["start_url"], manifest["display"]), ("Timelapser", "/", "standalone"))
        sizes = set()
        for icon in manifest["icons"]:
            with urllib.request.urlopen(self.server.url(icon["src"]), timeout=10) as response:
                self.assertEqual(response.headers["Content-Type"].split(";")[0], icon["type"])
                data = response.read()
            if icon["type"] == "image/png":
                image = Image.open(io.BytesIO(data))
                self.assertEqual(f"{image.width}x{image.height}", icon["sizes"])
                sizes.add(image.width)
            else:
                self.assertIn(b"<svg", data)
        self.assertEqual(sizes, {192, 512})
        # The page links them: manifest, theme colour, the home-screen icon (which loads).
        self.open("#/")
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#cameras [data-camera]"))
        self.assertTrue(self.js("return document.querySelector('link[rel=manifest]').href.endsWith('/dashboard/manifest.webmanifest')"))
        self.assertTrue(self.js("return !!document.querySelector('meta[name=theme-color]')"))
        touch = self.js("return document.querySelector('link[rel=apple-touch-icon]').href")
        with urllib.request.urlopen(touch, timeout=10) as response:
            self.assertEqual(response.headers["Content-Type"], "image/png")

    def test_10_webp_served_to_the_browser(self):
        """With variant_formats ["jpeg", "webp"], the grid's thumbnails arrive as WebP: Chromium's Accept names it."""
        s = self.server
        s.request("PATCH", "/api/settings", {"variant_formats": ["jpeg", "webp"]})
        try:
            camera = s.request("POST", "/api/cameras", {"name": "WebP"})["data"]["id"]
            timelapse = s.request("POST", f"/api/cameras/{camera}/timelapses", {"started_at": "2026-05-01T06:00:00Z"})["data"]["id"]
            image_id = s.capture(camera, 7, "2026-05-01T09:00:00Z")["image_id"]
            s.wait_idle()
            image = s.get(f"/api/images/{image_id}")
            self.assertIsNotNone(image["thumbnail_webp_size"])
            self.assertNotEqual(image["thumbnail_webp_size"], image["thumbnail_size"])
            self.media()
            self.open(f"#/timelapses/{timelapse}")
            self.wait.until(lambda d: d.execute_script(
                f"const i = document.querySelector('[data-image=\"{image_id}\"] img'); return !!i && i.complete && i.naturalWidth > 0"))
            # What came over the wire for the tile: the WebP's bytes, not the JPEG's.
            sizes = self.js(f"return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/images/{image_id}/thumbnail'))"
                            ".map(e => e.encodedBodySize)")
            self.assertIn(image["thumbnail_webp_size"], sizes, f"resource sizes {sizes}, image {image}")
            accept = self.js(f"return fetch('/api/images/{image_id}/thumbnail', {{headers: {{Accept: 'image/webp'}}}})"
                             ".then(r => r.headers.get('Content-Type') + ' ' + r.headers.get('Vary'))")
            self.assertEqual(accept, "image/webp Accept")
        finally:
            s.request("PATCH", "/api/settings", {"variant_formats": ["jpeg"]})


if __name__ == "__main__":
    unittest.defaultTestLoader.sortTestMethodsUsing = by_number
    result = unittest.main(exit=False, verbosity=2).result
    failed, skipped = len(result.failures) + len(result.errors), len(result.skipped)
    print(f"viewer: {result.testsRun - failed - skipped} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)
