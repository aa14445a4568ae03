"""cgov：《基层党建引领社区治理》一书的分析包。

Notebooks call :func:`setup` once, load data by name with :func:`cgov.data.load`,
and publish every number they state through :func:`cgov.glue.publish`.

This package is what chapters and users call (data, pipeline, sim, models, glue, report …). The book's
own tooling stands apart in :mod:`cgov.site` (Sphinx extensions, loaded by the build) and
:mod:`cgov.release` (release archive, results diff, PDFs, benchmarks); only the command line
(``cgov <command>``, :mod:`cgov.__main__`) reaches them.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("cgov")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

from cgov.style import setup  # noqa: E402

__all__ = ["__version__", "setup"]
