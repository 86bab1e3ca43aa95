#!/usr/bin/env python3
"""A builder that exits 0 without pushing anything.

It prints the value of every environment variable named on its command
line, the way a careless build script echoes its settings, so that tests
can check that secrets are redacted from job logs.

    noop.py [ENVNAME...]
"""
import os
import sys


def main():
    for name in sys.argv[1:]:
        print("%s is %s" % (name, os.environ.get(name, "")), flush=True)
    print("noop: done, pushed nothing", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
