"""The scan-time detector `fingerprint`: an item's text against the registered documents and data."""

from __future__ import annotations

import threading

from scanner.detect.registry import DetectContext, DetectorOutput, register


@register("fingerprint")
class FingerprintDetector:
    """Off unless [fingerprint] names an index; the index is opened on the first item."""

    def __init__(self, config):
        self.settings = config.register
        self.matcher = None
        self.lock = threading.Lock()

    def detect(self, ctx: DetectContext) -> DetectorOutput:
        out = DetectorOutput()
        if not self.settings.index:
            return out
        if self.matcher is None:
            with self.lock:
                if self.matcher is None:
                    from scanner.fingerprint.lookup import Matcher

                    self.matcher = Matcher(self.settings)
        out.fingerprints = self.matcher.match(ctx)
        return out
