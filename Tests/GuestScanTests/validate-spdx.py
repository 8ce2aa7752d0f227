#!/usr/bin/env python3
"""Validates an SPDX 2.3 JSON document (the file named by the first argument) with the SPDX
project's own tools (spdx-tools: its parser, then validate_full_spdx_document). Exit 0 when
valid, 1 with the messages when not, 3 when spdx-tools is not installed."""
import sys

try:
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
except ImportError as error:
    print(f"cannot validate: {error}", file=sys.stderr)
    sys.exit(3)

try:
    document = parse_file(sys.argv[1])
except Exception as problem:  # the parser refuses what does not follow the model
    print(f"invalid SPDX 2.3: {problem}", file=sys.stderr)
    sys.exit(1)
messages = validate_full_spdx_document(document, "SPDX-2.3")
if messages:
    for message in messages[:20]:
        print(f"invalid SPDX 2.3: {message.validation_message}", file=sys.stderr)
    sys.exit(1)
print("valid SPDX 2.3")
