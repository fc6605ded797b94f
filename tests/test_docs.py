"""The docs stay true: their code runs, their commands exit as shown, their
output is real, and every metric and scenario field is documented.

Conventions in README.md and docs/*.md (Markdown comments, invisible when rendered):

- every ```python block runs (in a fresh namespace); ``<!-- no-test -->`` on the
  line before a python or console block skips it;
- ``<!-- output -->`` between a ```python block and the fenced block after it
  marks that block as the python block's printed output;
- ``<!-- file: NAME -->`` on the line before a fenced block writes that block to
  NAME before any command or python block runs, so the docs can show a file and
  then use it;
- in ```console blocks, a line ``$ feasim ARGS`` is a command; the lines up to the
  next ``$`` line are its output (``...`` marks a cut); ``$ echo $?`` followed by a
  number gives the exit code the doc implies (0 when not shown).

Shown output must be real: every line shown (cuts aside) must be a line of what
the code prints now, compared with runs of blanks collapsed so that a change of
column width alone does not fail.

Commands and python blocks run from a temporary directory that mirrors the
repository root (``scenarios``, ``docs`` and ``examples`` are symlinked), so
relative paths resolve as from the root and files the docs write (``feasim schema
-o ...``) do not land in the repository.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from feasim.cli import main
from feasim.metrics import METRICS
from feasim.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
MIRRORED = ("scenarios", "docs", "examples")
CUT = {"...", "…"}

_FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)\s*$")


@dataclass
class Block:
    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: str  # the <!-- ... --> comment on the line before the fence, or ""

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def _blocks(doc: Path) -> list[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(1), m.group(2), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        prev = lines[k].strip() if k >= 0 else ""
        marker = prev if prev.startswith("<!--") else ""
        out.append(Block(doc, start + 1, lang, "\n".join(lines[start + 1:j]) + "\n", marker))
        i = j + 1
    return out


BLOCKS = [b for doc in DOCS for b in _blocks(doc)]


def _following(block: Block) -> Block | None:
    same = [b for b in BLOCKS if b.doc == block.doc and b.line > block.line]
    return same[0] if same else None


PYTHON = [b for b in BLOCKS if b.lang == "python" and b.marker != "<!-- no-test -->"]
FILES = [b for b in BLOCKS if b.marker.startswith("<!-- file:")]


@dataclass
class Command:
    block: Block
    args: str
    shown: list[str]
    code: int

    @property
    def id(self) -> str:
        return f"{self.block.id} feasim {self.args}"[:90]


def _commands(block: Block) -> list[Command]:
    out: list[Command] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ feasim"):
            i += 1
            continue
        args = line[len("$ feasim"):].strip()
        shown, code = [], 0
        i += 1
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        if i < len(lines) and lines[i].strip() == "$ echo $?":
            code = int(lines[i + 1].strip())
            i += 2
        out.append(Command(block, args, shown, code))
    return out


COMMANDS = [c for b in BLOCKS if b.lang == "console" and b.marker != "<!-- no-test -->"
            for c in _commands(b)]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A directory that looks like the repository root, plus the files the docs define."""
    root = tmp_path_factory.mktemp("docs-root")
    for name in MIRRORED:
        if (ROOT / name).exists():
            (root / name).symlink_to(ROOT / name, target_is_directory=True)
    for b in FILES:
        name = b.marker[len("<!-- file:"):-len("-->")].strip()
        assert "/" not in name and name not in MIRRORED, f"{b.id}: file name {name!r}"
        (root / name).write_text(b.text, encoding="utf-8")
    return root


@contextlib.contextmanager
def _cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _norm(line: str) -> str:
    """A line with runs of blanks collapsed: column widths may change, values may not."""
    return " ".join(line.split())


def _shown_lines_appear(shown: list[str], actual: str, where: str) -> None:
    """Every line shown (but the cuts) is printed, in the order shown: a doc cannot show
    a line twice where it is printed once, or lines out of place."""
    have = [_norm(line) for line in actual.splitlines()]
    at = 0
    for s in shown:
        if not s.strip() or s.strip() in CUT:
            continue
        try:
            at = have.index(_norm(s), at) + 1
        except ValueError:
            where_else = "printed, but not in this order" if _norm(s) in have else "not printed"
            raise AssertionError(f"{where}: output shown in the doc is not what the code prints "
                                 f"now; first differing line ({where_else}):\n{s!r}\nactual "
                                 f"output:\n{actual}") from None


# ---------------------------------------------------------------- code and commands


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
def test_python_block_runs(block, mirror, capsys):
    with _cwd(mirror):
        exec(compile(block.text, block.id, "exec"), {"__name__": "__docs__"})
    out = capsys.readouterr().out
    nxt = _following(block)
    if nxt is not None and nxt.marker == "<!-- output -->":
        _shown_lines_appear(nxt.text.splitlines(), out, block.id)


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.id for c in COMMANDS])
def test_console_command_exit_code_and_output(cmd, mirror, capsys):
    with _cwd(mirror):
        code = main(shlex.split(cmd.args))
    out, err = capsys.readouterr()
    assert code == cmd.code, f"{cmd.block.id}: 'feasim {cmd.args}' exited {code}, doc says " \
                             f"{cmd.code}\n{out}\n{err}"
    _shown_lines_appear(cmd.shown, out + err, f"{cmd.block.id}: feasim {cmd.args}")


def test_docs_have_code_to_check():
    assert len(PYTHON) >= 5 and len(COMMANDS) >= 8
    assert any(c.code == 2 for c in COMMANDS), "the docs should show an error and its exit code"


# ---------------------------------------------------------------- coverage of names


def _doc(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def test_every_metric_in_metrics_doc_with_its_unit():
    text = _doc("metrics.md")
    for name, m in METRICS.items():
        assert re.search(rf"^\| `{name}` \| {re.escape(m.unit)} \|", text, re.M), \
            f"docs/metrics.md has no row '| `{name}` | {m.unit} |'"


def _schema_field_names() -> set[str]:
    schema = Scenario.model_json_schema()
    names = set(schema["properties"])
    for definition in schema.get("$defs", {}).values():
        names |= set(definition.get("properties", {}))
    return names


def test_every_schema_field_in_scenario_format_doc():
    text = _doc("scenario-format.md")
    missing = sorted(n for n in _schema_field_names() if f"`{n}`" not in text)
    assert not missing, f"docs/scenario-format.md does not mention fields {missing}"


def _anchors(doc: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"^(```|~~~).*?^\1", "", doc.read_text(encoding="utf-8"), flags=re.S | re.M)
    heads = re.findall(r"^#+\s+(.*?)\s*$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}


def test_local_links_and_anchors_resolve():
    link = re.compile(r"\]\(([^)\s]*)\)")
    bad = []
    for doc in DOCS:
        for target in link.findall(doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path) if path else doc
            if not dest.exists():
                bad.append(f"{doc.relative_to(ROOT)} links to missing {target}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                bad.append(f"{doc.relative_to(ROOT)} links to missing anchor {target}")
    assert not bad, "\n".join(bad)
