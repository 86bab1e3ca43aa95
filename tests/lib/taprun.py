"""Run a unittest module and report every test as one TAP line.

Usage at the bottom of a test file:

    if __name__ == "__main__":
        import taprun; taprun.main()
"""
import sys
import unittest


class _TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, note=""):
        self.n += 1
        name = test.id().split(".", 1)[-1]
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}{note}", flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        for l in self._exc_info_to_string(err, test).splitlines():
            print("#   " + l)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        for l in self._exc_info_to_string(err, test).splitlines():
            print("#   " + l)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, f" # SKIP {reason}")


def main(module="__main__"):
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    result = _TapResult()
    suite.run(result)
    print(f"1..{result.n}", flush=True)
    sys.exit(0 if result.wasSuccessful() else 1)
