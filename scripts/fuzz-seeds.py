#!/usr/bin/env python3
"""Writes the seed corpus of the imaging fuzzer: small JPEGs of every kind the decoder handles (baseline and
progressive, 4:2:0 and 4:4:4, grey and CMYK, EXIF orientations, restart intervals, odd sizes) plus a few broken
ones. Usage: fuzz-seeds.py DIR"""
import io
import struct
import sys
from pathlib import Path

from PIL import Image


def scene(width, height, mode="RGB"):
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            pixels[x, y] = ((x * 7 + y) % 256, (y * 5) % 256, (x * y) % 256)
    return image.convert(mode) if mode != "RGB" else image


def jpeg(image, **options):
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def with_orientation(data, orientation):
    tiff = b"II" + struct.pack("<HI", 42, 8) + struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + b"\0\0\0\0"
    payload = b"Exif\0\0" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def main():
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    seeds = {
        "baseline_420.jpg": jpeg(scene(64, 48), quality=80),
        "baseline_444.jpg": jpeg(scene(40, 30), quality=90, subsampling=0),
        "progressive.jpg": jpeg(scene(64, 48), quality=75, progressive=True),
        "grey.jpg": jpeg(scene(33, 17, "L"), quality=85),
        "cmyk.jpg": jpeg(scene(24, 24, "CMYK"), quality=85),
        "tiny.jpg": jpeg(scene(1, 1), quality=50),
        "odd_size.jpg": jpeg(scene(17, 9), quality=60),
        "restart.jpg": jpeg(scene(64, 32), quality=70, restart_marker_blocks=2),
        "optimized.jpg": jpeg(scene(48, 48), quality=70, optimize=True),
    }
    for orientation in (3, 6, 8):
        seeds[f"orientation_{orientation}.jpg"] = with_orientation(seeds["baseline_420.jpg"], orientation)
    whole = seeds["baseline_420.jpg"]
    seeds["truncated.jpg"] = whole[: len(whole) // 2]
    seeds["no_eoi.jpg"] = whole[:-2]
    seeds["header_only.jpg"] = whole[:200]
    for name, data in seeds.items():
        (folder / name).write_bytes(data)
    print(f"{len(seeds)} seeds in {folder}")


if __name__ == "__main__":
    main()
