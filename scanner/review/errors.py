"""The review stage's typed errors (the CLI turns them into messages; the console into HTTP statuses)."""

from scanner.errors import MijianError


class ReviewError(MijianError):
    """A decision or account operation that cannot be done as asked."""

    code = "review.failed"


class PermissionDenied(ReviewError):
    code = "review.forbidden"


class NotFound(ReviewError):
    code = "review.not_found"
