#!/usr/bin/env python3
"""A notification hook for the tests: appends what it received to a file.

    record.py OUT [MODE]

Each call appends one JSON line to OUT: {"stdin": <the event as read>,
"env": <its whole environment>, "argv": [...]}. Then, by MODE:
  ok            exit 0 (default)
  fail          exit 3 after printing a line
  hang          sleep for an hour (the sink's timeout must end it)
  hang-once     hang when OUT had no line before this call, else ok
  flood         write to stdout without end
"""
import json
import os
import sys
import time


def main():
    out = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
    data = sys.stdin.read()
    first = not os.path.exists(out) or os.path.getsize(out) == 0
    with open(out, "a") as f:
        f.write(json.dumps({"stdin": data, "env": dict(os.environ),
                            "argv": sys.argv}) + "\n")
    if mode == "fail":
        print("record: told to fail", flush=True)
        return 3
    if mode == "hang" or (mode == "hang-once" and first):
        time.sleep(3600)
    if mode == "flood":
        line = b"x" * 65535 + b"\n"
        while True:
            sys.stdout.buffer.write(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
