"""Pictures of the flows: a Mermaid flowchart, or Graphviz DOT rendered to SVG or PNG."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.files import FALLBACK, Loaded
from bot.engine.model import Flow, Locale

ENTRY = "any message"
LABEL_WORDS = 5  # words of a node's English text shown under its id
WRAP = 24  # characters per label line: keeps boxes narrow enough to read side by side
NO_GRAPHVIZ = (
    "Graphviz is not installed: apt-get install graphviz (Debian/Ubuntu) or "
    "brew install graphviz (macOS)"
)


class GraphvizMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(NO_GRAPHVIZ)


@dataclass
class Box:
    id: str
    text: str = ""  # the start of its English text
    urgent: bool = False
    ends: bool = False
    note: str = ""  # "in other.yaml" or "missing" for targets outside the drawn flow


@dataclass
class Arrow:
    source: str
    target: str
    labels: list[str] = field(default_factory=list)
    dashed: bool = False
    trigger: bool = False  # from any message: drawn lighter, so the menu's paths stand out


@dataclass
class Graph:
    boxes: dict[str, Box] = field(default_factory=dict)
    arrows: dict[tuple[str, str, bool], Arrow] = field(default_factory=dict)

    def arrow(self, source: str, target: str, label: str = "", dashed: bool = False) -> None:
        # Several options to one node (five boroughs to one next step) become one arrow.
        arrow = self.arrows.setdefault(
            (source, target, dashed), Arrow(source, target, dashed=dashed, trigger=source == ENTRY)
        )
        if label and label not in arrow.labels:
            arrow.labels.append(label)


def build(loaded: Loaded, only: str | None = None) -> Graph:
    """The graph of every flow, or of the one flow file `only` (e.g. 'flows/main.yaml')."""
    english = next((loc for loc, _ in loaded.locales.values() if loc.language == FALLBACK), None)
    flows = {
        shown: flow for shown, (flow, _) in loaded.flows.items() if only is None or shown == only
    }
    where = {node_id: shown for shown, (flow, _) in loaded.flows.items() for node_id in flow.nodes}
    graph = Graph()
    graph.boxes[ENTRY] = Box(ENTRY)
    for flow in flows.values():
        _add_flow(graph, flow, english)
    for arrow in list(graph.arrows.values()):
        if arrow.target not in graph.boxes:
            note = f"in {where[arrow.target]}" if arrow.target in where else "missing"
            graph.boxes[arrow.target] = Box(arrow.target, note=note)
    return graph


def _add_flow(graph: Graph, flow: Flow, english: Locale | None) -> None:
    if flow.start:
        graph.arrow(ENTRY, flow.start, "first message")
    if flow.menu and flow.menu != flow.start:
        graph.arrow(ENTRY, flow.menu, "MENU or 0")
    for trigger in flow.triggers:
        graph.arrow(ENTRY, trigger.go, _quoted(_first_word(english, trigger.words)))
    for node_id, node in flow.nodes.items():
        keys = [*node.say, *([node.prompt] if node.prompt else [])]
        ends = not (node.options or node.go or node.switch)
        text = _opening(english, keys)
        if node.switch is not None and not text:
            text = f"goes on by {node.switch.var}"
        graph.boxes[node_id] = Box(node_id, text, node.urgent, ends)
        for option in node.options:
            word = _first_word(english, option.words) if option.words else ""
            label = " ".join(p for p in (str(option.number or ""), word) if p)
            graph.arrow(node_id, option.go, label)
        if node.switch is not None:
            values: dict[str, list[str]] = {}
            for value, target in node.switch.cases.items():
                values.setdefault(target, []).append(value)
            for target, these in values.items():
                graph.arrow(node_id, target, f"{node.switch.var} = {' or '.join(these)}")
            graph.arrow(node_id, node.switch.default, "otherwise", dashed=True)
        elif node.go and not node.options:
            graph.arrow(node_id, node.go)
        if node.with_media:
            graph.arrow(node_id, node.with_media, "with a photo", dashed=True)


def _first_word(english: Locale | None, key: str) -> str:
    words = english.words.get(key, []) if english else []
    return words[0] if words else key


def _quoted(word: str) -> str:
    return f"“{word}”"


def _opening(english: Locale | None, keys: list[str]) -> str:
    """The first few words a person reads at this node, for the picture."""
    for key in keys:
        message = english.messages.get(key) if english else None
        if message is not None:
            words = message.text.split()
            more = "…" if len(words) > LABEL_WORDS else ""
            return " ".join(words[:LABEL_WORDS]) + more
    return ""


def _lines(text: str) -> list[str]:
    return textwrap.wrap(text, WRAP, break_long_words=False) if text else []


# --- Mermaid ---------------------------------------------------------------------------------


def _mermaid_id(name: str) -> str:
    # Mermaid ids are plain words, and `end` is a keyword: prefix and clean every node's id.
    return "entry" if name == ENTRY else "n_" + re.sub(r"\W", "_", name)


def _mermaid_text(text: str) -> str:
    return html.escape(text, quote=False).replace('"', "#quot;")


def mermaid(graph: Graph) -> str:
    """A Mermaid flowchart: paste it into GitHub, GitLab or mermaid.live to see the picture."""
    out = ["flowchart LR"]
    for box in graph.boxes.values():
        nid = _mermaid_id(box.id)
        if box.id == ENTRY:
            out.append(f'    {nid}(("{ENTRY}"))')
            continue
        parts = [f"<b>{_mermaid_text(box.id)}</b>"]
        parts += [_mermaid_text(line) for line in _lines(box.text)]
        if box.ends:
            parts.append("<i>conversation ends</i>")
        if box.note:
            parts.append(f"<i>{_mermaid_text(box.note)}</i>")
        label = "<br/>".join(parts)
        out.append(f'    {nid}(["{label}"])' if box.ends else f'    {nid}["{label}"]')
    for arrow in graph.arrows.values():
        line = "-.->" if arrow.dashed else "-->"
        label = "<br/>".join(_mermaid_text(t) for t in _wrap_labels(arrow.labels))
        shown = f'|"{label}"|' if label else ""
        out.append(f"    {_mermaid_id(arrow.source)} {line}{shown} {_mermaid_id(arrow.target)}")
    out += [
        "    classDef entry fill:#e3ecfa,stroke:#3b5b92",
        "    classDef urgent fill:#fde2e2,stroke:#c62828,stroke-width:3px",
        "    classDef ends stroke-width:2px",
        "    classDef outside fill:#eeeeee,stroke-dasharray:4 3",
        f"    class {_mermaid_id(ENTRY)} entry",
    ]
    for name, pick in (
        ("urgent", lambda b: b.urgent),
        ("ends", lambda b: b.ends),
        ("outside", lambda b: bool(b.note)),
    ):
        ids = [_mermaid_id(b.id) for b in graph.boxes.values() if b.id != ENTRY and pick(b)]
        if ids:
            out.append(f"    class {','.join(ids)} {name}")
    return "\n".join(out) + "\n"


def _wrap_labels(labels: list[str]) -> list[str]:
    """Arrow labels joined by commas, a few to a line, never breaking inside one label."""
    if len(labels) == 1:
        return _lines(labels[0])
    glued = ", ".join(label.replace(" ", "\u00a0") for label in labels)
    return [line.replace("\u00a0", " ") for line in _lines(glued)]


# --- Graphviz --------------------------------------------------------------------------------


def _dot_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


LEGEND = (
    "red: urgent (opens a case)    double border: the conversation ends    "
    "dashed arrow: otherwise    grey arrows: words that work from any message"
)


def dot(graph: Graph) -> str:
    """Graphviz DOT source, drawn left to right."""
    font = 'fontname="Helvetica"'
    out = [
        "digraph flow {",
        f'  graph [rankdir=LR, {font}, nodesep=0.25, ranksep=0.6, bgcolor="white", '
        f'pad=0.3, label="{LEGEND}", labelloc=b, labeljust=l, fontsize=12];',
        f'  node [shape=box, style="rounded,filled", fillcolor="#f4f6f9", color="#51607a", '
        f'{font}, fontsize=11, margin="0.15,0.08"];',
        f'  edge [{font}, fontsize=10, color="#51607a", fontcolor="#27324a"];',
    ]
    for box in graph.boxes.values():
        if box.id == ENTRY:
            out.append(
                f'  {_dot_id(ENTRY)} [label="{ENTRY}", shape=oval, '
                'fillcolor="#e3ecfa", color="#3b5b92", fontsize=12];'
            )
            out.append(f"  {{rank=source; {_dot_id(ENTRY)}}}")
            continue
        rows = [f"<b>{html.escape(box.id)}</b>", *map(html.escape, _lines(box.text))]
        if box.ends:
            rows.append('<font color="#5a5a5a"><i>conversation ends</i></font>')
        if box.note:
            rows.append(f"<i>{html.escape(box.note)}</i>")
        attrs = [f"label=<{'<br/>'.join(rows)}>"]
        if box.urgent:
            attrs += ['fillcolor="#fde2e2"', 'color="#c62828"', "penwidth=2.5"]
        if box.ends:
            attrs.append("peripheries=2")
        if box.note:
            attrs += ['fillcolor="#eeeeee"', 'style="rounded,filled,dashed"']
        out.append(f"  {_dot_id(box.id)} [{', '.join(attrs)}];")
    for arrow in graph.arrows.values():
        attrs = []
        if arrow.labels:
            label = "\\n".join(_wrap_labels(arrow.labels)).replace('"', '\\"')
            attrs.append(f'label="{label}"')
        if arrow.dashed:
            attrs.append("style=dashed")
        if arrow.trigger:
            attrs += ['color="#a3adbd"', 'fontcolor="#6b7587"']
        shown = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"  {_dot_id(arrow.source)} -> {_dot_id(arrow.target)}{shown};")
    out.append("}")
    return "\n".join(out) + "\n"


def render(dot_source: str, fmt: str) -> bytes:
    """SVG or PNG bytes from Graphviz's `dot`; GraphvizMissing when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing
    args = [exe, f"-T{fmt}"] + (["-Gdpi=110"] if fmt == "png" else [])
    done = subprocess.run(
        args, input=dot_source.encode(), capture_output=True, check=False, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def flow_file(root: Path, flow: str | None) -> tuple[Path, str | None]:
    """(content root, flow file as shown in problems) from a FLOW argument: a path to a flow
    file, a flow's name ('main'), or nothing for every flow."""
    if flow is None:
        return root, None
    path = Path(flow)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        path = path.resolve()
        return path.parent.parent, f"{path.parent.name}/{path.name}"
    return root, f"flows/{path.stem if path.suffix else flow}.yaml"
