"""A registry that behaves like Docker Hub, in front of a real one.

    reg = world.Registry(auth="token")       # challenge realm + service
    hub = HubProxy(reg, limit=100, window=21600)
    hub.host / hub.url                        # what mirrortop talks to
    hub.pulls                                 # manifest GETs served (pulls)
    hub.remaining = 0                         # exhaust the pull limit

Like Docker Hub: every manifest answer (GET or HEAD) carries
`ratelimit-limit: 100;w=21600` and `ratelimit-remaining: N;w=21600`; a
manifest GET is a pull (HEAD is not); with no pulls left, a manifest GET
is `429 TOOMANYREQUESTS` with no Retry-After (the window is all it says).
The token realm and service come from the real registry's challenge.
"""
import re
import threading

import world

MANIFEST = re.compile(r"^/v2/.+/manifests/")


class HubProxy(world._Proxy):
    def __init__(self, reg, limit=100, window=21600):
        self.limit = limit
        self.window = window
        self.remaining = limit
        self.pulls = 0
        self.toomany = 0
        self.hub_lock = threading.Lock()
        target = reg if isinstance(reg, str) else reg.url
        super().__init__(target)

    def _headers(self, remaining):
        return [("ratelimit-limit", "%d;w=%d" % (self.limit, self.window)),
                ("ratelimit-remaining", "%d;w=%d" % (remaining,
                                                     self.window)),
                ("docker-ratelimit-source", "127.0.0.1")]

    def handle(self, h, method, path, headers, body):
        if not MANIFEST.match(path.split("?")[0]):
            return self.forward(method, path, headers, body)
        if method == "GET":
            with self.hub_lock:
                if self.remaining <= 0:
                    self.toomany += 1
                    return 429, [("Content-Type", "application/json")] + \
                        self._headers(0), world._canon({"errors": [{
                            "code": "TOOMANYREQUESTS",
                            "message": "You have reached your pull rate "
                                       "limit. You may increase the limit "
                                       "by authenticating and upgrading: "
                                       "https://www.docker.com/increase-"
                                       "rate-limit"}]})
        status, rh, data = self.forward(method, path, headers, body)
        with self.hub_lock:
            if method == "GET" and status == 200:
                self.remaining -= 1
                self.pulls += 1
            rem = max(self.remaining, 0)
        return status, list(rh) + self._headers(rem), data
