#!/usr/bin/env python3
"""A builder that never finishes (for timeouts and cancel).

    hang.py PIDFILE [--ignore-term]

Writes its pid to PIDFILE, then sleeps. With --ignore-term it ignores
SIGTERM, so only SIGKILL ends it.
"""
import os
import signal
import sys
import time


def main():
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % os.getpid())
    if "--ignore-term" in sys.argv[2:]:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("hang: building forever", flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
