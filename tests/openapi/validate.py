#!/usr/bin/env python3
"""Validates an OpenAPI 3.1 document: against the OAS 3.1 meta-schema
(argv[2]), each Schema Object against JSON Schema draft 2020-12, and every
$ref resolves. Prints one line per fault; exit status 1 if any."""
import json
import sys

import jsonschema
from jsonschema import Draft202012Validator

doc = json.load(open(sys.argv[1]))
meta = json.load(open(sys.argv[2]))
faults = []
validator = Draft202012Validator(meta, format_checker=jsonschema.FormatChecker())
for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
    faults.append("/".join(map(str, error.absolute_path)) + ": " + error.message[:300])


def schemas():
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        yield "components/schemas/" + name, schema
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            where = method.upper() + " " + path
            for p in operation.get("parameters", []):
                yield where + " parameter " + p["name"], p["schema"]
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    yield where + " body", media["schema"]
            for status, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        yield where + " " + status, media["schema"]


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


for where, schema in schemas():
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        faults.append(where + ": not a draft 2020-12 schema: " + e.message[:300])
for ref in set(refs(doc)):
    node = doc
    try:
        assert ref.startswith("#/")
        for part in ref[2:].split("/"):
            node = node[part]
    except (AssertionError, KeyError, TypeError):
        faults.append("unresolvable $ref " + ref)

for fault in faults:
    print(fault)
sys.exit(1 if faults else 0)
