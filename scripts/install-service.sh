#!/usr/bin/env bash
# Installs or removes Timelapser as a system service. Called by `make install` / `make uninstall`.
#   install-service.sh install   DESTDIR PREFIX BINARY
#   install-service.sh uninstall DESTDIR PREFIX
# DESTDIR (may be empty) stages everything under a folder instead of / (packaging, tests): the system user is then
# neither created nor removed, and systemd is not told.
set -euo pipefail
action="$1"; destdir="${2:-}"; prefix="${3:-/usr/local}"; binary="${4:-.build/release/timelapser}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$destdir$prefix/bin"
unit="$destdir/etc/systemd/system/timelapser.service"
config="$destdir/etc/timelapser"
data="$destdir/var/lib/timelapser"
live() { [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

case "$action" in
install)
  [ -x "$binary" ] || { echo "no binary at $binary (build it: swift build -c release)" >&2; exit 1; }
  install -d -m 0755 "$bin"
  install -m 0755 "$binary" "$bin/timelapser"
  # SwiftPM looks for a module's resources (the dashboard) beside the executable.
  rm -rf "$bin/timelapser_Dashboard.resources"
  cp -R "$(dirname "$binary")/timelapser_Dashboard.resources" "$bin/"
  chmod -R a+rX "$bin/timelapser_Dashboard.resources"
  install -d -m 0755 "$(dirname "$unit")"
  sed "s#/usr/local/bin/timelapser#$prefix/bin/timelapser#" "$root/packaging/timelapser.service" > "$unit"
  chmod 0644 "$unit"
  if [ -z "$destdir" ] && ! id timelapser >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/timelapser --no-create-home --shell /usr/sbin/nologin timelapser
  fi
  owner=()
  if id timelapser >/dev/null 2>&1; then owner=(-o timelapser -g timelapser); fi
  install -d -m 0750 "${owner[@]}" "$data"
  install -d -m 0755 "$config"
  # The configuration is the user's once installed: never overwritten.
  if [ ! -e "$config/timelapser.env" ]; then
    install -m 0640 "$root/packaging/timelapser.env" "$config/timelapser.env"
    if id timelapser >/dev/null 2>&1; then chgrp timelapser "$config/timelapser.env"; fi
  fi
  install -d -m 0755 "$destdir$prefix/share/doc/timelapser"
  install -m 0644 "$root/README.md" "$root/docs/OPERATIONS.md" "$destdir$prefix/share/doc/timelapser/"
  if live; then systemctl daemon-reload; fi
  echo "installed: $bin/timelapser, $unit, $config/timelapser.env, data in $data"
  [ -n "$destdir" ] || echo "start it: systemctl enable --now timelapser"
  ;;
uninstall)
  if live && systemctl list-unit-files timelapser.service >/dev/null 2>&1; then
    systemctl disable --now timelapser.service 2>/dev/null || true
  fi
  rm -f "$bin/timelapser" "$unit"
  rm -rf "$bin/timelapser_Dashboard.resources" "$config" "$destdir$prefix/share/doc/timelapser"
  if live; then systemctl daemon-reload; fi
  echo "removed Timelapser; the data in $data and the timelapser user are kept (remove them by hand if you mean to)"
  ;;
*) echo "usage: $0 install|uninstall DESTDIR PREFIX [BINARY]" >&2; exit 2 ;;
esac
