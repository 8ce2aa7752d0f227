#!/usr/bin/env python3
"""A hostile HTTP server for koopack's range-request tests, on loopback only.

It serves one made-up object of --size bytes (byte i is PATTERN[i % 4194301], PATTERN[j] being
(j * 131 + (j >> 12)) % 251, so any range can be checked without a file) at /MODE/disk.img, where MODE chooses the misbehaviour:
    good            honours Range (206, Content-Range, a fixed ETag and Last-Modified)
    ignore-range    answers 200 with the whole object to every range request
    lie-range       answers 206 with a Content-Range one byte off what was asked
    short           answers 206 with the right Content-Range but half the bytes
    drip            the first request is served; later ones send one byte a second
    redirect-host   302 to the same path on another host (localhost)
    redirect-file   302 to file:///etc/passwd
    redirect-same   302 to /good/disk.img on this host (followed)
    redirect-loop   302 to itself, forever
    etag-change     the ETag changes after the first request
    lastmod-change  the Last-Modified changes after the first request
    empty           a zero-byte object (416 with bytes */0)
The query string is ignored, so a presigned-looking URL works on any mode.

Prints `READY <port>` once listening. Logs one JSON line per request to --log: the mode, the
Range asked, the status, and how many body bytes the server managed to send before the client
stopped it. Exits by itself after --lifetime seconds, or when the
process that started it ends.
    python3 range_server.py --size 1073741824 --log LOG
"""
import argparse
import collections
import http.server
import json
import re
import threading
import time
from urllib.parse import urlsplit

from loopback import serve

RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")


PERIOD = 4194301
PATTERN = bytes((j * 131 + (j >> 12)) % 251 for j in range(PERIOD))


def content(start, end):
    """Bytes [start, end) of the object."""
    out = bytearray()
    while start < end:
        offset = start % PERIOD
        take = min(end - start, PERIOD - offset)
        out += PATTERN[offset:offset + take]
        start += take
    return bytes(out)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    size = 0
    log_path = None
    port = 0
    counts = collections.Counter()
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        mode = path.split("/")[1] if path.count("/") >= 2 else ""
        with self.lock:
            self.counts[mode] += 1
            seen = self.counts[mode]
        asked = self.headers.get("Range", "")
        status, sent = self.answer(mode, seen, asked)
        if self.log_path:
            with self.lock, open(self.log_path, "a") as log:
                log.write(json.dumps({"time": time.time(), "mode": mode, "range": asked, "status": status, "sent": sent}) + "\n")

    def answer(self, mode, seen, asked):
        size = 0 if mode == "empty" else self.size
        etag = '"v1"'
        modified = "Tue, 10 Nov 2026 10:00:00 GMT"
        if mode == "etag-change" and seen > 1:
            etag = '"v2"'
        if mode == "lastmod-change" and seen > 1:
            modified = "Wed, 11 Nov 2026 10:00:00 GMT"
        if mode.startswith("redirect-"):
            target = {"redirect-host": "http://localhost:%d/good/disk.img" % self.port,
                      "redirect-file": "file:///etc/passwd",
                      "redirect-same": "/good/disk.img",
                      "redirect-loop": self.path}.get(mode, "/good/disk.img")
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return 302, 0
        match = RANGE.match(asked)
        if mode == "ignore-range" or not match:
            return 200, self.send_body(200, 0, size, size, etag, modified, range_header=None)
        start, end = int(match.group(1)), int(match.group(2)) + 1
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % size)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return 416, 0
        end = min(end, size)
        if mode == "lie-range":
            return 206, self.send_body(206, start, end, end - start, etag, modified,
                                       range_header="bytes %d-%d/%d" % (start + 1, end, size))
        if mode == "short":
            return 206, self.send_body(206, start, start + (end - start) // 2, (end - start) // 2, etag, modified,
                                       range_header="bytes %d-%d/%d" % (start, end - 1, size))
        if mode == "drip" and seen > 1:
            return 206, self.send_body(206, start, end, end - start, etag, modified,
                                       range_header="bytes %d-%d/%d" % (start, end - 1, size), drip=True)
        return 206, self.send_body(206, start, end, end - start, etag, modified,
                                   range_header="bytes %d-%d/%d" % (start, end - 1, size))

    def send_body(self, status, start, end, length, etag, modified, range_header, drip=False):
        """Sends bytes [start, end) of the object; returns how many got out before the client left."""
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.send_header("Accept-Ranges", "none" if range_header is None else "bytes")
        if range_header:
            self.send_header("Content-Range", range_header)
        self.end_headers()
        sent = 0
        try:
            position = start
            while position < end:
                step = 1 if drip else min(1 << 20, end - position)
                self.wfile.write(content(position, position + step))
                self.wfile.flush()
                position += step
                sent += step
                if drip:
                    time.sleep(1)
        except OSError:
            self.close_connection = True
        return sent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=64 << 20)
    parser.add_argument("--log")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Handler.size = args.size
    Handler.log_path = args.log
    Handler.port = server.server_address[1]
    serve(server, args.lifetime)


if __name__ == "__main__":
    main()
