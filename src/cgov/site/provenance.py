"""Where each figure, table and in-text number of a chapter comes from (the AEA replication map).

Reads a chapter's MyST source statically (no execution): figures are code cells with
``mystnb: figure: name``, tables are ``{table}`` directives with ``:name:``, numbers are the keys of
``publish(CHAPTER, {...: Number(...)})``. For each it follows the variables of the producing cell back
through earlier cells and lists the ``cgov`` functions and the data sets (``load("name")``) on that path.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Functions that only publish or set up; they do not produce a result.
PLUMBING = {"cgov.setup", "cgov.glue.publish", "cgov.glue.publish_table", "cgov.glue.Number",
            "cgov.glue.Estimate", "cgov.style.mark_simulated"}
#: The keys an ``Estimate(...)`` publishes, after its own key.
ESTIMATE_SUFFIXES = ("", "_low", "_high")
TABLE = re.compile(r"^(?P<fence>:{3,}|`{3,})\{table\}\s*(?P<caption>.*)$")
OPTION = re.compile(r"^:name:\s*(?P<name>\S+)")
GLUED = re.compile(r"\{glue(?::\w+)?\}`?\s*(?P<key>[\w-]+)")
LOAD = re.compile(r"""\bload\(\s*["'](?P<name>[\w-]+)["']""")


@dataclass
class Item:
    """One figure, table or number: its kind, label, caption and what produces it."""

    kind: str          # "figure", "table" or "number"
    name: str          # the label ({numref} target) or the glue key of a number
    caption: str
    cell: int          # 1-based index of the producing code cell among the code cells
    functions: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    source: str = ""   # the ``source`` a Number declares
    evidence: str = ""  # "real", "simulated" or "policy" (cgov.glue.EVIDENCE)


@dataclass
class _Cell:
    code: str
    tree: ast.Module
    defines: set[str]
    uses: set[str]


def _parse(code: str) -> ast.Module:
    """Parse a code cell, blanking IPython magics and shell escapes."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    return ast.parse("\n".join(lines))


def _bindings(cells: list[_Cell]) -> dict[str, str]:
    """Local names bound to ``cgov`` modules or functions by the chapter's imports."""
    names: dict[str, str] = {}
    for cell in cells:
        for node in ast.walk(cell.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "cgov":
                        names[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name or "cgov"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "cgov":
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _cgov_calls(tree: ast.AST, bindings: dict[str, str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (name := _dotted(node.func)):
            head, _, rest = name.partition(".")
            if head in bindings:
                found.append(bindings[head] + (f".{rest}" if rest else ""))
    return found


def _lineage(cells: list[_Cell], index: int) -> list[int]:
    """The cell ``index`` and every earlier cell that defines a name it (transitively) uses."""
    needed, chosen = set(cells[index].uses), [index]
    for i in range(index - 1, -1, -1):
        if cells[i].defines & needed:
            chosen.append(i)
            needed |= cells[i].uses
    return sorted(chosen)


def _producers(cells: list[_Cell], index: int, bindings: dict[str, str]) -> tuple[list[str], list[str]]:
    functions, datasets = [], []
    for i in _lineage(cells, index):
        functions += [f for f in _cgov_calls(cells[i].tree, bindings) if f not in PLUMBING]
        datasets += LOAD.findall(cells[i].code)
    return sorted(set(functions)), sorted(set(datasets))


def _literal(node: ast.AST | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _published_numbers(tree: ast.AST) -> list[tuple[str, str, str, str]]:
    """(key, label, source, evidence) of each number in ``publish(chapter, {key: Number(...) or
    Estimate(...)}, evidence=...)``; an ``Estimate`` stands for its key and the ``_low``/``_high`` keys."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and (_dotted(node.func) or "").endswith("publish")
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Dict)):
            default = {k.arg: k.value for k in node.keywords}.get("evidence", node.args[2] if len(node.args) > 2 else None)
            for key, value in zip(node.args[1].keys, node.args[1].values):
                if not isinstance(value, ast.Call):
                    continue
                kind = (_dotted(value.func) or "").rsplit(".", 1)[-1]
                positional = ("row", "label") if kind == "Estimate" else ("value", "fmt", "unit", "label", "source")
                fields = dict(zip(positional, value.args))
                fields.update({k.arg: k.value for k in value.keywords})
                evidence = _literal(fields.get("evidence")) or _literal(default)
                suffixes = ESTIMATE_SUFFIXES if kind == "Estimate" else ("",)
                for suffix in suffixes:
                    found.append((_literal(key) + suffix, _literal(fields.get("label")),
                                  _literal(fields.get("source")), evidence))
    return found


def chapter_items(path: Path) -> list[Item]:
    """Every figure, table and published number of the chapter at ``path``, in reading order."""
    import jupytext

    notebook = jupytext.read(path)
    cells, items = [], []
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    for cell in code_cells:
        tree = _parse(cell.source)
        defines = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        defines |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        uses = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        cells.append(_Cell(cell.source, tree, defines, uses))
    bindings = _bindings(cells)

    def producing_cell(key: str) -> int:
        pattern = re.compile(rf"""["']{re.escape(key)}["']""")
        return next((i for i, c in enumerate(cells) if pattern.search(c.code)), -1)

    code_index = -1
    for cell in notebook.cells:
        if cell.cell_type == "code":
            code_index += 1
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            if figure.get("name"):
                items.append(Item("figure", figure["name"], figure.get("caption", ""), code_index + 1,
                                  *_producers(cells, code_index, bindings)))
            for key, label, source, evidence in _published_numbers(cells[code_index].tree):
                items.append(Item("number", key, label, code_index + 1,
                                  *_producers(cells, code_index, bindings), source=source, evidence=evidence))
        elif cell.cell_type == "markdown":
            items += _tables(cell.source, cells, bindings, producing_cell)
    return items


def _tables(markdown: str, cells, bindings, producing_cell) -> list[Item]:
    """Numbered ``{table}`` directives in a markdown cell, traced to the cell that glues their content."""
    found, lines = [], markdown.splitlines()
    for i, line in enumerate(lines):
        match = TABLE.match(line.strip())
        if not match:
            continue
        body = []
        for following in lines[i + 1:]:
            if following.strip() == match["fence"]:
                break
            body.append(following)
        name = next((m["name"] for b in body if (m := OPTION.match(b.strip()))), "")
        keys = GLUED.findall("\n".join(body))
        index = producing_cell(keys[0]) if keys else -1
        functions, datasets = _producers(cells, index, bindings) if index >= 0 else ([], [])
        found.append(Item("table", name, match["caption"].strip(), index + 1, functions, datasets))
    return found
