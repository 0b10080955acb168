"""A real RTSP server for the capture tests: GStreamer's RTSP server (through python3-gi) serving a moving
test pattern as RTP/JPEG at rtsp://127.0.0.1:PORT/stream.

Usage: rtsp_server.py PORT   (0 picks a free port). Prints "listening PORT" once clients may connect, then
serves until killed."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# rtpjpegpay needs I420; a live source keeps the clock real, and the bars scroll, like a scene moves.
PIPELINE = (
    "( videotestsrc is-live=true pattern=smpte horizontal-speed=4 "
    "! video/x-raw,width=640,height=480,framerate=10/1 "
    "! videoconvert ! video/x-raw,format=I420 ! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )"
)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    factory.set_shared(True)
    server.get_mount_points().add_factory("/stream", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    print(f"listening {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
