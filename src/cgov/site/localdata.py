"""Sphinx hook of the page 查看本地数据: writes its data file ``_static/cgov-local-data.js`` into the
built site (only that page loads it), from :mod:`cgov.localdata`."""
from __future__ import annotations

from pathlib import Path

#: The page that uses the data, and the file it loads.
DOCNAME = "book/local-data"
DATA_FILE = "cgov-local-data.js"


def _write_data(app, exception) -> None:
    if exception is not None or app.builder.format != "html" or DOCNAME not in app.env.found_docs:
        return
    from cgov import localdata

    target = Path(app.outdir) / "_static" / DATA_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(localdata.script(), encoding="utf-8")
    tmp.replace(target)


def setup(app):
    app.connect("build-finished", _write_data)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
