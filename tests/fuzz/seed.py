#!/usr/bin/env python3
"""Write the seed inputs of one fuzzing harness into a directory.

    seed.py HARNESS SRCDIR OUTDIR

Seeds come from the recorded real traffic in SRCDIR/../shared/real-traffic
(read here, at fuzz time; never copied into the tree), turned into each
harness's input format (see tests/fuzz/*.c). The hand-written and
regression inputs of tests/fuzz/corpus/HARNESS/ are passed to the fuzzer
directly by smoke.sh. A missing ../shared only means fewer seeds.
"""
import glob
import hashlib
import json
import os
import sys

TYPES = {("gh", "releases"): 0, ("gh", "tags"): 1,
         ("gl", "tags"): 2, ("gl", "releases"): 3}


def traffic(srcdir):
    d = os.path.join(srcdir, "..", "shared", "real-traffic")
    for path in sorted(glob.glob(os.path.join(d, "*.json"))):
        try:
            with open(path) as f:
                yield os.path.basename(path), json.load(f)
        except (OSError, ValueError):
            continue


def exchanges(srcdir):
    for name, doc in traffic(srcdir):
        for e in doc.get("exchanges", []):
            yield name, e


def response(e):
    """status, headers, empty line, body: tests/fuzz/response.h."""
    head = "%s\n" % e.get("status", 0)
    for h in e.get("headers", []):
        if len(h) == 2 and h[0].lower() != "status":
            head += "%s: %s\n" % (h[0], h[1])
    body = e.get("body") or ""
    if not isinstance(body, str):
        body = json.dumps(body)
    return (head + "\n").encode() + body.encode()


def header(e, name):
    return [h[1] for h in e.get("headers", [])
            if len(h) == 2 and h[0].lower() == name]


def tag_names(srcdir):
    for _, e in exchanges(srcdir):
        try:
            items = json.loads(e.get("body") or "null")
        except ValueError:
            continue
        if isinstance(items, list):
            for it in items:
                if isinstance(it, dict):
                    for k in ("tag_name", "name"):
                        if isinstance(it.get(k), str):
                            yield it[k]


def seeds(harness, srcdir):
    if harness == "source":
        for name, e in exchanges(srcdir):
            parts = name.split("-")
            kind = "releases" if "releases" in name else "tags"
            t = TYPES.get((parts[0], kind))
            if t is not None:
                yield bytes([t]) + response(e)
                yield bytes([t | 8]) + response(e)
    elif harness == "ratelimit":
        for _, e in exchanges(srcdir):
            r = response(e)
            yield r.split(b"\n\n", 1)[0] + b"\n"
    elif harness == "link":
        for _, e in exchanges(srcdir):
            for v in header(e, "link"):
                yield ("%s\n%s" % (e.get("url", ""), v)).encode()
    elif harness == "www-authenticate":
        for _, e in exchanges(srcdir):
            for v in header(e, "www-authenticate"):
                yield v.encode()
    elif harness == "manifest":
        for name, doc in traffic(srcdir):
            for obj in (doc.get("objects") or {}).values():
                if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                    yield ("%s\n%s" % (obj.get("mediaType", ""),
                                       obj["text"])).encode()
            for e in doc.get("exchanges", []):
                if "/manifests/" in e.get("url", "") and e.get("body"):
                    ct = (header(e, "content-type") or [""])[0]
                    yield ("%s\n%s" % (ct, e["body"])).encode()
    elif harness == "walk-index":
        for name, doc in traffic(srcdir):
            for e in doc.get("exchanges", []):
                url = e.get("url", "")
                if "/manifests/" in url and e.get("body"):
                    tag = url.rsplit("/", 1)[1]
                    yield ("%s\n%s" % (tag, e["body"])).encode()
    elif harness == "ghcr-versions":
        # GitHub API lists: the same envelope (arrays of objects with ids)
        for name, e in exchanges(srcdir):
            if name.startswith("gh-") and (e.get("body") or "").startswith(
                    "["):
                yield e["body"].encode()
    elif harness == "supply-chain":
        for data in seeds("manifest", srcdir):
            ct, _, body = data.partition(b"\n")
            yield ct + b"\n" + body
            yield b"sha256-" + hashlib.sha256(body).hexdigest().encode() + \
                b".att\n" + body
    elif harness in ("semver", "version"):
        names = sorted(set(tag_names(srcdir)))
        for a, b in zip(names, names[1:] + names[:1]):
            yield ("%s\n%s" % (a, b)).encode()
    elif harness == "sanitize":
        for _, e in exchanges(srcdir):
            try:
                items = json.loads(e.get("body") or "null")
            except ValueError:
                continue
            if isinstance(items, list):
                for it in items[:5]:
                    if isinstance(it, dict):
                        for k in ("name", "body", "message", "description"):
                            if isinstance(it.get(k), str) and it[k]:
                                yield b"\x50" + it[k].encode()
    elif harness == "template":
        for n in list(tag_names(srcdir))[:40]:
            v = n[1:] if n.startswith("v") else n
            yield ("{version}-{arch}\n%s\n%s\narm/v7" % (v, n)).encode()
    elif harness == "registry-response":
        for name, e in exchanges(srcdir):
            url = e.get("url", "")
            if not name.startswith("reg-"):
                continue
            if "token" in url:
                yield b"\x01" + response(e)
            elif "/tags/list" in url:
                yield b"\x02" + response(e)
            elif (e.get("status") or 0) >= 400:
                yield b"\x00" + response(e)
            elif "/blobs/" in url:
                yield b"\x03" + response(e)
    elif harness == "gha":
        for name, e in exchanges(srcdir):
            if name.startswith("gh-"):
                yield response(e)
    elif harness == "helper-output":
        for _, e in exchanges(srcdir):
            if "token" in e.get("url", "") and e.get("body"):
                yield e["body"].encode()


def main(argv):
    harness, srcdir, out = argv[1:4]
    os.makedirs(out, exist_ok=True)
    n = 0
    for data in seeds(harness, srcdir):
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1
    print(n)


if __name__ == "__main__":
    main(sys.argv)
