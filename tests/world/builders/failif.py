#!/usr/bin/env python3
"""A builder that fails when its first two arguments are equal.

    failif.py A B [pushimage.py arguments...]

With templates, `failif.py {arch} arm64 ...` fails the arm64 builds and
`failif.py {version} 1.2.3 ...` the builds of 1.2.3: it exits 1 without
pushing when A is B, and otherwise behaves like pushimage.py with the
remaining arguments.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import pushimage  # noqa: E402


def main():
    if sys.argv[1] == sys.argv[2]:
        print("failif: no %s build today" % sys.argv[2], flush=True)
        return 1
    return pushimage.main(sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
