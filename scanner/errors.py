"""The project's typed errors: one base, one subclass per stage."""


class MijianError(Exception):
    """Base of every error Mijian raises on purpose.

    `code` is a stable reason code (used in verdicts); the message is for people.
    """

    code = "error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigError(MijianError):
    code = "config.invalid"


class IngestError(MijianError):
    """A path given to scan does not exist or cannot be listed."""

    code = "ingest.failed"


class ExtractionError(MijianError):
    """A file could not be read: corrupt, truncated, or not what it claims to be."""

    code = "scan.unreadable"


class UnsupportedTypeError(ExtractionError):
    code = "scan.unsupported"


class LimitExceededError(ExtractionError):
    code = "scan.limit"


class DetectionError(MijianError):
    code = "detect.failed"


class PolicyError(MijianError):
    code = "policy.invalid"


class StoreError(MijianError):
    code = "store.failed"


class RegistryError(MijianError):
    code = "registry.duplicate"


class ClusterError(MijianError):
    """A clustered scan cannot go on: no scheduler, workers that differ, a lost connection."""

    code = "cluster.failed"
