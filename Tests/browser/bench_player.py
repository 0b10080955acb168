#!/usr/bin/python3
"""Bench of the dashboard's film-strip player (not part of `make test`): a 10,000-frame timelapse played at 24 fps for
10 s in headless Chromium against the real server.

The timelapse is 40 real captures posted through the API (thumbnails and smalls made by the server), then rows cloned
from them in the server's SQLite file up to 10,000 frames, one every 5 minutes, each pointing at a real capture's
thumbnail and small. Prints one block:

    player: 23.9 frames/s shown, 0 dropped, 1 late in 10 s, heap 3.1 → 4.0 MB, 112 frames held (40.3 MB decoded)
"""
import os, sys, time

from selenium.webdriver.support.ui import WebDriverWait

from test_dashboard import Server, browser
from test_viewer import clone_frames

FRAMES, REAL, STEP, FPS, SECONDS = 10_000, 40, 300, 24, 10
START = 1767254400  # 2026-01-01T08:00:00Z


def heap_mb(driver):
    return driver.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"] / 1048576


def main():
    server = Server()
    driver = None
    try:
        camera = server.request("POST", "/api/cameras", {"name": "Bench"})["data"]["id"]
        timelapse = server.request("POST", f"/api/cameras/{camera}/timelapses", {"name": "Bench", "started_at": "2026-01-01T00:00:00Z"})["data"]["id"]
        for i in range(REAL):
            server.capture(camera, i, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START + i * STEP)))
        server.wait_idle(timeout=300)
        clone_frames(server, timelapse, FRAMES - REAL, START + REAL * STEP, STEP)
        assert server.get(f"/api/timelapses/{timelapse}")["image_count"] == FRAMES

        driver = browser()
        # No autoplay (reduced motion): the bench starts the clock itself, from the first frame.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
        driver.execute_cdp_cmd("Runtime.enable", {})
        driver.get(server.url(f"/#/timelapses/{timelapse}"))
        stats = lambda: driver.execute_script("return window.timelapserPlayer && window.timelapserPlayer.stats()")
        WebDriverWait(driver, 60).until(lambda d: (stats() or {}).get("painted") == "small")
        assert stats()["length"] == FRAMES
        driver.execute_script(f"document.getElementById('player-speed').value = {FPS};")
        time.sleep(1)
        heap_start = heap_mb(driver)
        before = stats()
        driver.execute_script("window.timelapserPlayer.play()")
        started = time.time()
        time.sleep(SECONDS)
        after = stats()
        elapsed = time.time() - started
        driver.execute_script("window.timelapserPlayer.pause()")
        heap_end = heap_mb(driver)
        shown = after["shown"] - before["shown"]
        print(f"player: {shown / elapsed:.1f} frames/s shown, {after['dropped'] - before['dropped']} dropped, "
              f"{after['late'] - before['late']} late in {elapsed:.0f} s, heap {heap_start:.1f} → {heap_end:.1f} MB, "
              f"{after['held']} frames held ({after['bytes'] / 1048576:.1f} MB decoded)")
        print(f"player: {FRAMES} frames, played from frame {before['index']} to {after['index']} at {FPS} fps, "
              f"{after['evicted']} frames released, budget {after['budget']}")
    finally:
        if driver:
            driver.quit()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
