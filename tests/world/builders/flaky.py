#!/usr/bin/env python3
"""A builder that fails its first run, then behaves like pushimage.py.

    flaky.py STATEFILE [pushimage.py arguments...]

The first run (STATEFILE missing) creates STATEFILE and exits 1; later
runs push the image.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import pushimage  # noqa: E402


def main():
    state = sys.argv[1]
    if not os.path.exists(state):
        with open(state, "w") as f:
            f.write("failed once\n")
        print("flaky: failing the first attempt", flush=True)
        return 1
    return pushimage.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
