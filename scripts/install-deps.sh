#!/usr/bin/env bash
# Installs the Debian packages Timelapser needs when any is missing. Usage: install-deps.sh [run|test|bench]
set -euo pipefail
purpose="${1:-run}"
packages=(libvips-dev libturbojpeg0-dev pkg-config fonts-dejavu-core)
case "$purpose" in
  run) packages+=(ffmpeg) ;;
  # The capture tests grab from a real RTSP server (GStreamer through python3-gi) with ffmpeg; the dashboard
  # tests drive headless Chromium through Selenium.
  test) packages+=(postgresql ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good
                   gstreamer1.0-plugins-base gstreamer1.0-tools chromium chromium-driver python3-selenium python3-pil) ;;
  bench) packages+=(postgresql ffmpeg wrk nginx time python3-pil chromium chromium-driver python3-selenium) ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
