"""The book's release tooling, run from the command line around a build (never inside one, never by a
chapter): ``cgov dist`` (:mod:`~cgov.release.dist`), ``cgov diff`` (:mod:`~cgov.release.diff`),
``cgov pdf`` (:mod:`~cgov.release.handouts`), ``cgov bench`` (:mod:`~cgov.release.bench`, with the
browser driver :mod:`~cgov.release.browser` that the browser tests share).
"""


class ReleaseError(RuntimeError):
    """The release cannot be made as asked (versions disagree, a link is broken, a folder is missing)."""
