#!/usr/bin/env python3
"""A builder that pushes its image, then changes another tag behind
mirrortop's back (as a concurrent pipeline would).

    meddle.py OTHER_REF [pushimage.py arguments...]

Behaves like pushimage.py with the remaining arguments, then pushes a
different single-arch image to OTHER_REF (HOST/REPO:TAG, plain HTTP).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import pushimage  # noqa: E402


def main():
    other = sys.argv[1]
    rc = pushimage.main(sys.argv[2:])
    if rc:
        return rc
    return pushimage.main(["--plain-http", "--arch", "s390x", other])


if __name__ == "__main__":
    sys.exit(main())
