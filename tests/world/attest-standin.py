#!/usr/bin/env python3
"""A stand-in for an attest pipeline's tools (trivy + cosign attest,
cosign sign, a SLSA generator), which are not installable here: it writes
the artifacts the real tools write, through the registry API.

    attest-standin.py KIND IMAGE@DIGEST

KIND: sign (cosign sign: the .sig tag), sbom (cosign attest --type
spdxjson: an SPDX statement on .att), provenance (cosign attest --type
slsaprovenance1), referrer-sign (a Sigstore bundle as an OCI 1.1 referrer,
with the fallback tag), nothing (succeeds, writes nothing), fail (exits 3).
The registry is spoken to over plain HTTP (the test world's loopback).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import supplychain as sc  # noqa: E402


def main(argv):
    if len(argv) != 3 or "@" not in argv[2]:
        print("usage: attest-standin.py KIND IMAGE@DIGEST", file=sys.stderr)
        return 2
    kind, ref = argv[1], argv[2]
    image, digest = ref.split("@", 1)
    host, repo = image.split("/", 1)
    url = "http://" + host
    print("%s %s" % (kind, ref), flush=True)
    if kind == "sign":
        sc.cosign_sign(url, repo, digest, host=host)
    elif kind == "sbom":
        sc.cosign_attest(url, repo, digest, sc.SPDX_PRED)
    elif kind == "provenance":
        sc.cosign_attest(url, repo, digest, sc.SLSA_V1)
    elif kind == "referrer-sign":
        sc.referrer(url, repo, digest, sc.BUNDLE, fallback=True)
    elif kind == "nothing":
        pass
    elif kind == "fail":
        print("stand-in: failing as asked", file=sys.stderr)
        return 3
    else:
        print("unknown kind %s" % kind, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
