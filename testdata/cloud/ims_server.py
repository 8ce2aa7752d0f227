#!/usr/bin/env python3
"""A stand-in for Huawei Cloud's IAM and IMS APIs, for koopack's tests, on loopback only.

It serves one seller account (account.json) at https://127.0.0.1:PORT/{service}/{region}/...:
    GET /iam/{region}/v3/projects?name={region}     the region's project
    GET /ims/{region}/v2/cloudimages?limit&marker&__imagetype&id   the images, paged
Every request's AK/SK signature is checked by Huawei's own Python SDK (huaweicloudsdkcore): the
server rebuilds the request from what arrived (method, raw path, query, the headers named in
SignedHeaders, body) and signs it with the account's keys; a mismatch is `401 APIGW.0301`, as the
API gateway answers. Pages hold at most --page-cap images and carry a `next` link while more remain.

Regions named `fault-KIND-...` misbehave on the IMS call, for the fault tests:
    429       429 with Retry-After: 1 once, then a normal answer
    503       503 twice, then a normal answer
    always503 503 every time
    drip      200 whose body comes one byte every half second
    truncated 200 with JSON cut short
    huge      200 with a 70 MiB body (over koopack's 64 MiB cap)
    redirect  302 to another host (localhost instead of 127.0.0.1)
    downgrade 302 from https to http
    loop      every page full, always naming the same next marker
    notfound  404 with IMS's error object (not retried)
A security token `expired-token` is answered `401 APIGW.0307` (expired temporary credentials).

Prints `READY <port>` on standard output once listening; logs one JSON line per request to --log
(method, path, query, status: never a header value); exits by itself after --lifetime seconds, or
when the process that started it ends.
    python3 ims_server.py --cert server.pem --key server-key.pem --account account.json --log LOG
"""
import argparse
import collections
import datetime
import hmac
import http.server
import json
import re
import ssl
import threading
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from loopback import serve

AUTHORIZATION = re.compile(r"^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([a-z0-9;_-]+), Signature=([0-9a-f]{64})$")


class State:
    def __init__(self, account, page_cap, log_path, port):
        self.account = account
        self.page_cap = page_cap
        self.log_path = log_path
        self.port = port
        self.counts = collections.Counter()
        self.lock = threading.Lock()

    def count(self, key):
        with self.lock:
            self.counts[key] += 1
            return self.counts[key]

    def log(self, entry):
        if not self.log_path:
            return
        with self.lock, open(self.log_path, "a") as log:
            log.write(json.dumps(entry) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by main

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def handle_request(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urlsplit(self.path)
        parts = parsed.path.split("/")
        service, region = (parts[1], parts[2]) if len(parts) > 3 else ("", "")
        rest = "/" + "/".join(parts[3:])
        entry = {"time": time.time(), "method": self.command, "path": parsed.path, "query": parse_qsl(parsed.query, keep_blank_values=True),
                 "service": service, "region": region}
        status = self.route(service, region, rest, parsed, body)
        entry["status"] = status
        self.state.log(entry)

    def route(self, service, region, rest, parsed, body):
        problem = self.check_signature(parsed, body)
        if problem:
            return self.error(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: " + problem})
        if self.headers.get("X-Security-Token") == "expired-token":
            return self.error(401, {"error_code": "APIGW.0307", "error_msg": "The token must be updated."})
        query = dict(parse_qsl(parsed.query, keep_blank_values=True))
        if service == "iam" and rest == "/v3/projects" and self.command == "GET":
            return self.projects(query.get("name", ""))
        if service == "ims" and rest == "/v2/cloudimages" and self.command == "GET":
            if self.headers.get("X-Project-Id") != self.project_id(region) and not region.startswith("fault-"):
                return self.error(403, {"error": {"code": "IMG.0003", "message": "project id does not match the token"}})
            return self.images(region, query, parsed)
        return self.error(404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published"})

    def check_signature(self, parsed, body):
        """Why the signature is wrong, or None: recomputed by huaweicloudsdkcore's own signer."""
        authorization = self.headers.get("Authorization")
        if not authorization:
            return "no Authorization header"
        match = AUTHORIZATION.match(authorization)
        if not match:
            return "malformed Authorization header"
        account = self.state.account
        if match.group(1) != account["ak"]:
            return "unknown access key"
        signed = match.group(2).split(";")
        if "host" not in signed or "x-sdk-date" not in signed:
            return "host and x-sdk-date must be signed"
        headers = {}
        for name in signed:
            value = self.headers.get(name)
            if value is None:
                return "signed header %s is missing" % name
            headers[name] = value
        if self.headers.get("X-Security-Token") is not None and "x-security-token" not in signed:
            return "the security token is not signed"
        try:
            sent = datetime.datetime.strptime(headers["x-sdk-date"], "%Y%m%dT%H%M%SZ")
        except ValueError:
            return "bad X-Sdk-Date"
        if abs((datetime.datetime.utcnow() - sent).total_seconds()) > 900:
            return "X-Sdk-Date is more than 15 minutes off"
        request = SdkRequest(method=self.command, schema="https", host=self.headers.get("Host"),
                             resource_path=parsed.path, query_params=parse_qsl(parsed.query, keep_blank_values=True),
                             header_params=headers, body=body)
        Signer(BasicCredentials(account["ak"], account["sk"])).sign(request)
        if not hmac.compare_digest(request.header_params["Authorization"], authorization):
            return "signature mismatch"
        return None

    def project_id(self, region):
        known = self.state.account["regions"].get(region)
        if known:
            return known["project_id"]
        return "fa" + uuid.uuid5(uuid.NAMESPACE_DNS, region).hex[2:] if region.startswith("fault-") else None

    def projects(self, name):
        project_id = self.project_id(name)
        projects = [] if project_id is None else [
            {"id": project_id, "name": name, "domain_id": "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0", "enabled": True,
             "is_domain": False, "parent_id": "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0", "description": ""}]
        return self.send_json(200, {"projects": projects, "links": {"self": "https://iam/v3/projects"}})

    def images(self, region, query, parsed):
        if region.startswith("fault-"):
            kind = region.split("-")[1]
            fault = self.fault(kind, region, parsed)
            if fault is not None:
                return fault
            images = [{"id": "img-" + region, "name": region, "__imagetype": "private", "status": "active",
                       "owner": self.project_id(region), "visibility": "private"}]
        else:
            images = self.state.account["regions"].get(region, {"images": []})["images"]
        if "__imagetype" in query:
            images = [i for i in images if i.get("__imagetype") == query["__imagetype"]]
        if "id" in query:
            images = [i for i in images if i.get("id") == query["id"]]
        limit = min(int(query.get("limit") or 25), self.state.page_cap)
        start = 0
        if query.get("marker"):
            ids = [i["id"] for i in images]
            if query["marker"] not in ids:
                return self.error(400, {"error": {"code": "IMG.0001", "message": "marker not found"}})
            start = ids.index(query["marker"]) + 1
        page = images[start:start + limit]
        answer = {"images": page, "first": "/v2/cloudimages?limit=%d" % limit, "schema": "/v2/schemas/images"}
        if start + limit < len(images):
            answer["next"] = "/v2/cloudimages?limit=%d&marker=%s" % (limit, page[-1]["id"])
        return self.send_json(200, answer)

    def fault(self, kind, region, parsed):
        """The misbehaving answer of fault `kind`, or None to answer normally."""
        seen = self.state.count(region)
        if kind == "429" and seen == 1:
            return self.error(429, {"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"},
                              extra={"Retry-After": "1"})
        if (kind == "503" and seen <= 2) or kind == "always503":
            return self.error(503, {"error_code": "APIGW.0201", "error_msg": "Request error: service unavailable"})
        if kind == "notfound":
            return self.error(404, {"error": {"code": "IMG.0027", "message": "The image does not exist"}})
        if kind == "truncated":
            return self.send_bytes(200, b'{"images": [{"id": "5c1f', "application/json")
        if kind == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.send_header("X-Request-Id", uuid.uuid4().hex)
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
            return 200
        if kind == "huge":
            size = 70 << 20
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.send_header("X-Request-Id", uuid.uuid4().hex)
            self.end_headers()
            chunk = b" " * (1 << 20)
            try:
                self.wfile.write(b'{"images": []' + b" " * ((1 << 20) - 14) + b"}")
                for _ in range(69):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
            return 200
        if kind == "redirect":
            return self.redirect("https://localhost:%d%s" % (self.state.port, self.path))
        if kind == "downgrade":
            return self.redirect("http://127.0.0.1:%d%s" % (self.state.port, self.path))
        if kind == "loop":
            page = [{"id": "loop-%d" % n, "name": "loop", "__imagetype": "private"} for n in range(self.state.page_cap)]
            return self.send_json(200, {"images": page, "next": "/v2/cloudimages?limit=%d&marker=loop-0" % self.state.page_cap})
        return None

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return 302

    def error(self, status, payload, extra=None):
        return self.send_json(status, payload, extra)

    def send_json(self, status, payload, extra=None):
        return self.send_bytes(status, json.dumps(payload).encode(), "application/json", extra)

    def send_bytes(self, status, data, content_type, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", uuid.uuid4().hex)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--log")
    parser.add_argument("--page-cap", type=int, default=4)
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    with open(args.account) as f:
        account = json.load(f)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    Handler.state = State(account, args.page_cap, args.log, port)
    serve(server, args.lifetime)


if __name__ == "__main__":
    main()
