"""Where things live in the repository. Only this module knows the layout."""
from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the package is installed in editable mode from ``src/``).
ROOT = Path(os.environ.get("CGOV_ROOT", Path(__file__).resolve().parents[2]))
DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
SIM = DATA / "sim"
BUILD = ROOT / "_build"
#: Folder of the built site that holds every download (notebooks, data, results, PDFs).
SITE_DOWNLOADS = "downloads"
#: Per-chapter results JSON written by :func:`cgov.glue.publish`.
RESULTS = Path(os.environ.get("CGOV_RESULTS", BUILD / "results"))
#: Release files made by ``cgov dist`` (:mod:`cgov.release.dist`).
DIST = ROOT / "dist"
