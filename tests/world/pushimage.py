#!/usr/bin/env python3
"""Push a tiny single-arch image to a registry, like a builder would.

    pushimage.py [--plain-http] [--arch A] [--variant V] [--media oci|docker]
                 [--user U] [--digest-file F] [--metadata-file F]
                 [--sleep S] [--fail] HOST[:PORT]/REPO:TAG

Prints the manifest digest. The password comes from $PUSHIMAGE_PASSWORD.
--digest-file writes the bare digest; --metadata-file writes buildx-style
JSON ({"containerimage.digest": ...}). --sleep waits before pushing (to
look like a build); --fail exits 1 without pushing (a failed build).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))

import world  # noqa: E402


def parse_ref(ref):
    host, _, rest = ref.partition("/")
    if not rest:
        raise ValueError("reference needs HOST/REPO:TAG: %r" % ref)
    repo, sep, tag = rest.rpartition(":")
    if not sep or "/" in tag:
        raise ValueError("reference needs a tag: %r" % ref)
    return host, repo, tag


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("--plain-http", action="store_true")
    ap.add_argument("--arch", default="amd64")
    ap.add_argument("--variant")
    ap.add_argument("--os", default="linux")
    ap.add_argument("--media", default="oci", choices=("oci", "docker"))
    ap.add_argument("--user")
    ap.add_argument("--digest-file")
    ap.add_argument("--metadata-file")
    ap.add_argument("--sleep", type=float, default=0)
    ap.add_argument("--fail", action="store_true")
    a = ap.parse_args(argv)
    try:
        host, repo, tag = parse_ref(a.ref)
    except ValueError as e:
        print("pushimage: %s" % e, file=sys.stderr)
        return 2
    print("building %s for linux/%s%s" % (a.ref, a.arch,
          "/" + a.variant if a.variant else ""), flush=True)
    if a.sleep:
        time.sleep(a.sleep)
    if a.fail:
        print("pushimage: build failed (as asked)", file=sys.stderr)
        return 1
    if a.variant is None and a.arch == "arm64":
        a.variant = "v8"
    base = ("http://" if a.plain_http else "https://") + host
    c = world.Client(base, a.user, os.environ.get("PUSHIMAGE_PASSWORD"))
    try:
        d = world.push_image(c, repo, tag, arch=a.arch, os=a.os,
                             variant=a.variant, media=a.media)
    except (world.WorldError, OSError) as e:
        print("pushimage: %s" % e, file=sys.stderr)
        return 1
    if a.digest_file:
        with open(a.digest_file, "w") as f:
            f.write(d + "\n")
    if a.metadata_file:
        with open(a.metadata_file, "w") as f:
            json.dump({"containerimage.digest": d,
                       "image.name": a.ref}, f)
    print(d, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
