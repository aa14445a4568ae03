"""Write the report folder all at once or not at all, safe to open in a spreadsheet.

The files are written into a hidden ``.<out>.<pid>.<random>.partial`` folder beside ``out`` and renamed into
place at the end; an error, Ctrl-C or SIGTERM removes it. Partial folders that an earlier run left behind
(killed outright, its process gone) are removed first. Text cells of the CSV tables that a spreadsheet
would run as a formula are neutralised as OWASP recommends (a leading apostrophe).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

#: First characters that make Excel, WPS or LibreOffice read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A partial folder without a process id in its name is stale after this many seconds.
STALE_AFTER = 3600


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that begins like a formula prefixed with ``'`` (shown as text)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            text = out[column]
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
            out[column] = text.mask(risky, "'" + text.astype(str))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove partial folders of earlier runs for ``out`` whose process is gone (or, without a process id,
    that are older than :data:`STALE_AFTER`); return what was removed."""
    removed = []
    for folder in out.parent.glob(f".{glob_escape(out.name)}.*.partial"):
        owner = re.match(rf"\.{re.escape(out.name)}\.(\d+)\.", folder.name)
        stale = (not _alive(int(owner[1])) if owner and int(owner[1]) != os.getpid()
                 else not owner and time.time() - folder.stat().st_mtime > STALE_AFTER)
        if folder.is_dir() and stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob wildcards escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def write_atomically(out: Path, files: dict[str, str | pd.DataFrame]) -> None:
    """Write ``files`` (relative path -> HTML text or table) into a fresh folder beside ``out``, then
    rename it to ``out``; if anything fails, nothing is left behind. ``out`` must be absent or empty.
    The folder gets the permissions of any folder the user creates (``0777`` less the umask)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".partial", dir=out.parent))
    try:
        for relative, content in files.items():
            target = work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, pd.DataFrame):
                neutralised(content).to_csv(target, index=False, encoding="utf-8-sig")  # BOM: Excel reads UTF-8
            else:
                target.write_text(content, encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        work.chmod(0o777 & ~umask)
        if out.is_dir():
            out.rmdir()  # empty (checked before); fails, and so keeps it, if something appeared meanwhile
        os.rename(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
