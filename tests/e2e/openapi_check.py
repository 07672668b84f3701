#!/usr/bin/env python3
"""openapi_check.py - check recorded answers of alerthub against its OpenAPI
3.1 description (docs/openapi.json, served at /api/v1/openapi.json).

Usage:
  openapi_check.py --spec FILE_OR_URL --self-check
  openapi_check.py --spec FILE_OR_URL [--not-exercised 'GET /p;POST /q'] RECORDS.jsonl...

--self-check validates the description itself: it is JSON, `openapi` is
"3.1.0", every $ref resolves, every path has an operation and every operation
lists responses, and every schema is a valid JSON Schema (2020-12).

A record is one JSON line {method, path, status, content_type, body,
request?} (the path without its query string, the body as text, request the
JSON body sent, if any). Each is matched to the
path template of the description (`{x}` stands for one segment; a literal
segment wins over a template), then to the method, then to the status; a
path, method or status the description does not list is an error. A JSON
answer is validated against the schema of that response, its $refs
resolved; another media type must be one the response lists. The request
body of a successful request is validated against the operation's request
body schema.

With records, every operation of the description must have been exercised,
except those named by --not-exercised (which then must not have been); the
exit status is 1 when anything failed. Uses only the standard library and
jsonschema (Debian package python3-jsonschema).
"""
import argparse
import json
import re
import sys
import urllib.request

import jsonschema

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def load_spec(where):
    if re.match(r"^https?://", where):
        with urllib.request.urlopen(where, timeout=20) as r:
            text = r.read().decode("utf-8")
    else:
        with open(where, encoding="utf-8") as f:
            text = f.read()
    return json.loads(text)


def pointer(doc, ref):
    """The node a local $ref ("#/a/b") names; KeyError when there is none."""
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node[part]
    return node


def refs(node, at="#"):
    """Every ($ref, where) below node."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"], at
        for k, v in node.items():
            yield from refs(v, at + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from refs(v, "%s/%d" % (at, i))


def resolve(doc, node, depth=0):
    """node with every $ref replaced by what it names (siblings kept)."""
    if depth > 50:
        raise ValueError("$ref nesting deeper than 50: a cycle?")
    if isinstance(node, dict):
        if "$ref" in node:
            target = resolve(doc, pointer(doc, node["$ref"]), depth + 1)
            rest = {k: resolve(doc, v, depth + 1) for k, v in node.items() if k != "$ref"}
            if not rest:
                return target
            return {"allOf": [target], **rest}
        return {k: resolve(doc, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(doc, v, depth + 1) for v in node]
    return node


def operations(spec):
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def self_check(spec):
    errors = []
    if spec.get("openapi") != "3.1.0":
        errors.append('openapi is %r, not "3.1.0"' % spec.get("openapi"))
    if not isinstance(spec.get("info"), dict) or "title" not in spec["info"] or "version" not in spec["info"]:
        errors.append("info needs title and version")
    if not spec.get("paths"):
        errors.append("no paths")
    for ref, where in refs(spec):
        try:
            pointer(spec, ref)
        except (KeyError, IndexError, ValueError):
            errors.append("%s: $ref %s does not resolve" % (where, ref))
    for path, item in spec.get("paths", {}).items():
        if not any(m in item for m in METHODS):
            errors.append("%s: no operation" % path)
        for name in re.findall(r"\{([^}]+)\}", path):
            for method in METHODS:
                if method not in item:
                    continue
                params = [resolve(spec, p) for p in item.get("parameters", []) + item[method].get("parameters", [])]
                if not any(p.get("in") == "path" and p.get("name") == name for p in params):
                    errors.append("%s %s: path parameter %s is not described" % (method.upper(), path, name))
    seen_ids = set()
    for path, method, op in operations(spec):
        where = "%s %s" % (method.upper(), path)
        if not op.get("responses"):
            errors.append("%s: no responses" % where)
        oid = op.get("operationId")
        if not oid:
            errors.append("%s: no operationId" % where)
        elif oid in seen_ids:
            errors.append("%s: operationId %s is used twice" % (where, oid))
        seen_ids.add(oid)
    if not errors:
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            try:
                jsonschema.Draft202012Validator.check_schema(resolve(spec, schema))
            except jsonschema.exceptions.SchemaError as e:
                errors.append("components/schemas/%s: %s" % (name, e.message))
    return errors


def template_regex(path):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


class Matcher:
    def __init__(self, spec):
        self.spec = spec
        # Literal segments first: /a/b before /a/{x}.
        self.paths = sorted(spec.get("paths", {}), key=lambda p: (p.count("{"), p))
        self.regex = {p: template_regex(p) for p in self.paths}
        self.validators = {}

    def path_of(self, path):
        for p in self.paths:
            if self.regex[p].match(path):
                return p
        return None

    def validator(self, key, schema):
        if key not in self.validators:
            self.validators[key] = jsonschema.Draft202012Validator(resolve(self.spec, schema))
        return self.validators[key]

    def check(self, rec):
        """(operation key or None, [errors]) for one record."""
        where = "%s %s -> %s" % (rec["method"], rec["path"], rec["status"])
        template = self.path_of(rec["path"])
        if template is None:
            return None, ["%s: the description has no such path" % where]
        method = rec["method"].lower()
        op = self.spec["paths"][template].get(method)
        if op is None:
            return None, ["%s: the description has no %s on %s" % (where, rec["method"], template)]
        key = (method, template)
        responses = op.get("responses", {})
        status = str(rec["status"])
        resp = responses.get(status)
        if resp is None:
            return key, ["%s: %s %s does not list status %s (it lists %s)"
                         % (where, rec["method"], template, status, ", ".join(sorted(responses)))]
        resp = resolve(self.spec, resp)
        content = resp.get("content", {})
        ctype = rec.get("content_type", "").split(";")[0].strip().lower()
        if not content:
            if rec["body"]:
                return key, ["%s: a body where the description has none" % where]
            return key, []
        if ctype not in content:
            return key, ["%s: media type %r is not one of %s" % (where, ctype, ", ".join(content))]
        schema = content[ctype].get("schema")
        if ctype != "application/json" or schema is None:
            return key, []
        try:
            body = json.loads(rec["body"])
        except ValueError as e:
            return key, ["%s: the body is not JSON: %s" % (where, e)]
        errs = self.check_request(op, rec, where) if rec["status"] < 300 else []
        v = self.validator((template, method, status), schema)
        return key, errs + self.errors(where, v, body)

    @staticmethod
    def errors(where, validator, doc):
        errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        return ["%s: at %s: %s" % (where, "/".join(str(x) for x in e.absolute_path) or "(root)",
                                   e.message[:300]) for e in errs[:5]]

    def check_request(self, op, rec, where):
        """The JSON body a successful request sent, against its schema."""
        if rec.get("request") is None:
            return []
        body = resolve(self.spec, op.get("requestBody", {}))
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return ["%s: sent a JSON body the operation does not take" % where]
        key = (op["operationId"], "request")
        if key not in self.validators:
            self.validators[key] = jsonschema.Draft202012Validator(resolve(self.spec, schema))
        return self.errors(where + " (request)", self.validators[key], rec["request"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", required=True)
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("--not-exercised", default="",
                    help="operations expected not to be exercised: 'GET /path;POST /other'")
    ap.add_argument("records", nargs="*")
    args = ap.parse_args()

    spec = load_spec(args.spec)
    errors = self_check(spec)
    if errors or args.self_check:
        for e in errors:
            print("spec: " + e)
        n = sum(1 for _ in operations(spec))
        if not errors:
            print("spec: valid, %d paths, %d operations" % (len(spec["paths"]), n))
        return 1 if errors else 0

    m = Matcher(spec)
    covered = set()
    count = 0
    for name in args.records:
        with open(name, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                count += 1
                key, errs = m.check(rec)
                if key is not None:
                    covered.add(key)
                errors.extend(errs)

    expected_missing = set()
    for item in filter(None, (s.strip() for s in args.not_exercised.split(";"))):
        method, _, path = item.partition(" ")
        expected_missing.add((method.lower(), path.strip()))
    all_ops = {(method, path) for path, method, _ in operations(spec)}
    for method, path in sorted(all_ops - covered - expected_missing, key=lambda k: (k[1], k[0])):
        errors.append("%s %s: described but never exercised" % (method.upper(), path))
    for method, path in sorted(expected_missing & covered):
        errors.append("%s %s: listed as not exercised, but it was" % (method.upper(), path))
    for method, path in sorted(expected_missing - all_ops):
        errors.append("%s %s: listed as not exercised, but not described" % (method.upper(), path))

    for e in errors:
        print(e)
    print("%d answers checked; %d of %d operations exercised; %d errors"
          % (count, len(covered & all_ops), len(all_ops), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
