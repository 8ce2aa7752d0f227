#!/usr/bin/env python3
"""The AK/SK signing oracle: signs requests with Huawei's own Python SDK (huaweicloudsdkcore) and
prints each one's Authorization header, for koopack's property test of its own signer.

Reads one JSON object per line on standard input:
    {"ak", "sk", "token" (or null), "method", "host", "path" (as sent, percent-encoded),
     "query": [[name, value], ...] (decoded), "headers": {name: value}, "body": base64, "date"}
and writes one Authorization header per line, in order. The request goes through the SDK's own
path: BasicCredentials.sign_request, which adds X-Security-Token and then runs the SDK-HMAC-SHA256
signer with the given X-Sdk-Date."""
import base64
import json
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        headers = dict(case["headers"])
        headers["X-Sdk-Date"] = case["date"]
        request = SdkRequest(method=case["method"], schema="https", host=case["host"], resource_path=case["path"],
                             query_params=[tuple(item) for item in case["query"]], header_params=headers,
                             body=base64.b64decode(case["body"]))
        credentials = BasicCredentials(case["ak"], case["sk"])
        if case.get("token"):
            credentials.security_token = case["token"]
        signed = credentials.sign_request(request)
        print(signed.header_params["Authorization"])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
