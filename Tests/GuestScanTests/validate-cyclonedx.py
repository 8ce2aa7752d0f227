#!/usr/bin/env python3
"""Validates a CycloneDX 1.5 JSON document (the file named by the first argument) against the
CycloneDX 1.5 JSON schema (strict: no properties the schema does not define), using the schemas
that ship inside cyclonedx-python-lib. Exit 0 when valid, 1 with the error when not, 3 when
cyclonedx-python-lib or jsonschema is not installed."""
import sys

try:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
except ImportError as error:
    print(f"cannot validate: {error}", file=sys.stderr)
    sys.exit(3)

with open(sys.argv[1], encoding="utf-8") as handle:
    text = handle.read()
try:
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
except Exception as problem:  # a missing optional dependency of the validator
    print(f"cannot validate: {problem}", file=sys.stderr)
    sys.exit(3)
if error is not None:
    detail = getattr(error.data, "message", None) or str(error)
    path = "/".join(str(part) for part in getattr(error.data, "absolute_path", []))
    print(f"invalid CycloneDX 1.5 at /{path}: {detail[:2000]}", file=sys.stderr)
    sys.exit(1)
print("valid CycloneDX 1.5")
