#!/usr/bin/env python3
"""A slow, chatty builder that records each time it is run.

    slow.py RECORD SECONDS LABEL [pushimage.py arguments...]

Appends "LABEL PID" to RECORD (so that tests can count invocations), then
prints a line every 50 ms for SECONDS, then behaves like pushimage.py with
the remaining arguments.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

import pushimage  # noqa: E402


def main():
    record, seconds, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    with open(record, "a") as f:
        f.write("%s %d\n" % (label, os.getpid()))
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        print("slow: %s step %d" % (label, n), flush=True)
        time.sleep(0.05)
    return pushimage.main(sys.argv[4:])


if __name__ == "__main__":
    sys.exit(main())
