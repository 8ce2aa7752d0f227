#!/usr/bin/env python3
"""A forward proxy for HTTPS (CONNECT only), for the test that koopack honours HTTPS_PROXY and
NO_PROXY. It tunnels to loopback addresses only, refusing any other, and logs each CONNECT target
to --log. Prints `READY <port>` once listening.
    python3 connect_proxy.py --log LOG
"""
import argparse
import http.server
import json
import select
import socket
import threading

from loopback import serve

LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


class Handler(http.server.BaseHTTPRequestHandler):
    log_path = None
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        if self.log_path:
            with self.lock, open(self.log_path, "a") as log:
                log.write(json.dumps({"connect": self.path}) + "\n")
        if host not in LOOPBACK or not port.isdigit():
            self.send_error(403, "this test proxy reaches loopback only")
            return
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.pump(self.connection, upstream)

    @staticmethod
    def pump(client, upstream):
        """Copies bytes both ways until either side closes."""
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    Handler.log_path = args.log
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serve(server, args.lifetime)


if __name__ == "__main__":
    main()
