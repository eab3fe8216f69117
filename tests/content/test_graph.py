"""`hotline flows graph`: a Mermaid flowchart always, SVG and PNG through Graphviz."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.content import graph
from bot.content.files import parse
from tests.conftest import FIXTURE

ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt-get install graphviz)"
)


def run(*args: str, content: Path = FIXTURE) -> Result:
    return CliRunner().invoke(
        main, ["flows", "graph", *args], env={"HOTLINE_CONTENT_DIR": str(content)}
    )


def test_mermaid_has_nodes_with_text_options_go_switch_and_triggers() -> None:
    result = run()
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("flowchart LR\n")
    assert '    entry(("any message"))' in text
    assert '    entry -->|"first message"| n_welcome' in text
    assert '    entry -->|"MENU or 0"| n_menu' in text
    assert '    entry -->|"“fire”"| n_alarm' in text  # a trigger, by its first word
    assert "    n_welcome --> n_menu" in text  # go
    assert '    n_menu -->|"1 fact"| n_fact' in text  # an option: number and first word
    assert '    n_menu -->|"2"| n_where_topic' in text
    assert '    n_where_topic -->|"area = nyc"| n_nyc_answer' in text  # switch
    assert '    n_where_topic -.->|"otherwise"| n_ask_area' in text
    assert '    n_ask_area -->|"1, 2"| n_where_topic' in text  # two options, one arrow


def test_labels_are_the_id_and_the_first_five_words_wrapped() -> None:
    text = run().output
    assert (
        '    n_long(["<b>long</b><br/>First sentence is here<br/>and…<br/>'
        '<i>conversation ends</i>"])'
    ) in text
    assert '    n_where_topic["<b>where_topic</b><br/>goes on by area"]' in text


def test_urgent_nodes_are_red_and_ended_nodes_marked() -> None:
    text = run().output
    assert "    classDef urgent fill:#fde2e2,stroke:#c62828,stroke-width:3px" in text
    assert "    class n_alarm urgent" in text
    assert "    class n_fact,n_old_fact,n_nyc_answer,n_state_answer,n_long,n_alarm ends" in text
    assert '    n_menu["<b>menu</b>' in text  # a node that waits: a plain box


def test_mermaid_ids_and_texts_are_escaped(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    flow.write_text(
        flow.read_text().replace("go: long}", "go: end}").replace("  long:\n", "  end:\n")
    )
    locale = content / "locales" / "en.yaml"
    locale.write_text(
        locale.read_text().replace('welcome: "Welcome."', "welcome: 'Say \"hi\" <b>'")
    )
    text = run(content=content).output
    assert '    n_menu -->|"3"| n_end' in text  # `end` is a Mermaid keyword
    assert "Say #quot;hi#quot; &lt;b&gt;" in text


def test_a_flow_by_name_by_path_and_an_unknown_one(content: Path) -> None:
    by_name = run("main", content=content)
    by_path = run(str(content / "flows" / "main.yaml"), content=ROOT)
    assert by_name.exit_code == by_path.exit_code == 0
    assert by_name.output == by_path.output
    unknown = run("nope", content=content)
    assert unknown.exit_code == 1
    assert "no flow flows/nope.yaml" in unknown.output and "flows/main.yaml" in unknown.output


def test_broken_files_are_refused_with_their_problems(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    flow.write_text(flow.read_text().replace("    say: nyc\n", "    say: [nyc\n"))
    result = run(content=content)
    assert result.exit_code == 1
    assert "flows/main.yaml:" in result.output and "YAML syntax" in result.output
    assert "Fix these first (hotline flows check)" in result.output


def test_without_graphviz_svg_and_png_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    for args in (["--format", "svg"], ["-o", str(tmp_path / "flow.png")]):
        result = run(*args)
        assert result.exit_code == 1
        assert result.output == (
            "Graphviz is not installed: apt-get install graphviz "
            "(Debian/Ubuntu) or brew install graphviz (macOS)\n"
        )
    assert run().exit_code == 0  # Mermaid needs nothing


def test_png_needs_a_file() -> None:
    result = run("--format", "png")
    assert result.exit_code == 2
    assert "add -o FILE.png" in result.output


def test_dot_source_styles_urgent_and_ended_nodes() -> None:
    source = graph.dot(graph.build(parse(FIXTURE)))
    assert "rankdir=LR" in source
    assert (
        '"alarm" [label=<<b>alarm</b><br/>Alarm guidance.<br/><font color="#5a5a5a"><i>'
        'conversation ends</i></font>>, fillcolor="#fde2e2", color="#c62828", penwidth=2.5, '
        "peripheries=2];"
    ) in source
    assert '"menu" -> "fact" [label="1 fact"];' in source
    assert '"where_topic" -> "ask_area" [label="otherwise", style=dashed];' in source


@needs_dot
def test_svg_is_a_picture() -> None:
    result = run("--format", "svg")
    assert result.exit_code == 0, result.output
    assert "<svg" in result.output and "where_topic" in result.output


@needs_dot
def test_png_to_a_file_with_the_format_from_its_name(tmp_path: Path) -> None:
    target = tmp_path / "pictures" / "flow.png"
    result = run("-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert result.output == f"Wrote {target} (png, 10 nodes).\n"


@needs_dot
def test_the_shipped_flows_draw(tmp_path: Path) -> None:
    result = run("-o", str(tmp_path / "flow.svg"), content=ROOT)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "flow.svg").read_text().lstrip().startswith("<?xml")
