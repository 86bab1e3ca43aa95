#!/usr/bin/env python3
"""QA stand-in builder: qabuilder.py PLATFORM STAGING_REF DIGEST_FILE [SLEEP] [FAILARCH]
Pushes a tiny image for PLATFORM (linux/arch[/variant]) to STAGING_REF over
plain HTTP, writes the digest. Prints hostile text and the value of
$GITHUB_TOKEN (like a careless build script) to test redaction."""
import os, sys, time
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import world
plat, ref, dfile = sys.argv[1:4]
sleep = float(sys.argv[4]) if len(sys.argv) > 4 else 2
failarch = sys.argv[5] if len(sys.argv) > 5 else ""
parts = plat.split("/")
arch = parts[1]; variant = parts[2] if len(parts) > 2 else None
print("qabuilder: building %s for %s" % (ref, plat), flush=True)
print("token is %s" % os.environ.get("GITHUB_TOKEN", ""), flush=True)
print("evil \x1b[2J\x1b[31mRED\x1b]0;title\x07 \x07bell \u202eRTL\u202c 日本語 🚀 " + "x" * 300, flush=True)
for i in range(int(sleep * 2)):
    print("step %d/%d" % (i + 1, int(sleep * 2)), flush=True)
    time.sleep(0.5)
if failarch and failarch == arch:
    print("qabuilder: failing %s as asked" % arch, file=sys.stderr, flush=True)
    sys.exit(1)
host, _, rest = ref.partition("/")
repo, _, tag = rest.rpartition(":")
c = world.Client("http://" + host)
if arch == "arm64" and variant is None:
    variant = "v8"
d = world.push_image(c, repo, tag, arch=arch, variant=variant)
open(dfile, "w").write(d + "\n")
print(d, flush=True)
