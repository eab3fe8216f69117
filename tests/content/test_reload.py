"""Flows reload without downtime: a valid edit is live on the next message, a broken one is
refused and the previous version keeps answering."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import redis

from bot import create_app
from bot.web.state import hotline
from tests.conftest import FIXTURE, Phone
from tests.web.test_webhook import messages


def app_on_copy(config: dict[str, Any], tmp_path: Path) -> tuple[Any, Path]:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    app = create_app(dict(config, HOTLINE_CONTENT_DIR=str(content)))
    with app.app_context():
        hotline().live.interval = 0  # look at the files on every message
    return app, content


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_valid_edit_is_live_on_the_next_message(
    config: dict[str, Any], tmp_path: Path, r: redis.Redis
) -> None:
    app, content = app_on_copy(config, tmp_path)
    phone = Phone(app.test_client())
    assert messages(phone.send("hi"))[0].startswith("Welcome.")
    rewrite(content / "locales" / "en.yaml", 'welcome: "Welcome."', 'welcome: "Hello there."')
    assert messages(phone.send("menu"))[0] == "1 fact 2 where 3 long"
    assert messages(Phone(app.test_client(), number="+15550009999").send("hi"))[0].startswith(
        "Hello there."
    )


def test_broken_edit_is_refused_and_the_old_version_keeps_answering(
    config: dict[str, Any], tmp_path: Path, r: redis.Redis, logs: Any
) -> None:
    app, content = app_on_copy(config, tmp_path)
    rewrite(content / "flows" / "main.yaml", "go: old_fact}", "go: nowhere}")
    response = Phone(app.test_client()).send("hi")
    assert response.status_code == 200
    assert messages(response)[0].startswith("Welcome.")
    refused = [rec.getMessage() for rec in logs.records if "refused" in rec.getMessage()]
    assert refused and "flows/main.yaml" in refused[0] and "no node named 'nowhere'" in refused[0]


def test_a_node_removed_mid_conversation_sends_the_person_to_the_menu(
    config: dict[str, Any], tmp_path: Path, r: redis.Redis
) -> None:
    app, content = app_on_copy(config, tmp_path)
    phone = Phone(app.test_client())
    phone.send("hi")
    assert messages(phone.send("2"))[0] == "Where are you? 1 NYC 2 elsewhere"  # waits at ask_area
    flow = content / "flows" / "main.yaml"
    rewrite(flow, "  ask_area:\n    prompt: ask_area\n", "  ask_region:\n    prompt: ask_area\n")
    rewrite(flow, "default: ask_area", "default: ask_region")
    reply = messages(phone.send("1"))
    assert reply and reply[0].startswith("Welcome.")  # not an error: back to the start


def test_the_server_keeps_answering_during_reloads(
    config: dict[str, Any], tmp_path: Path, r: redis.Redis
) -> None:
    app, content = app_on_copy(config, tmp_path)
    locale = content / "locales" / "en.yaml"
    statuses: list[int] = []
    stop = threading.Event()

    def talk() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            statuses.append(
                Phone(app.test_client(), number=f"+1555100{n:04d}").send("hi").status_code
            )

    thread = threading.Thread(target=talk)
    thread.start()
    original = locale.read_text()
    for i in range(20):
        locale.write_text(original.replace('welcome: "Welcome."', f'welcome: "Welcome {i}."'))
        time.sleep(0.02)
    stop.set()
    thread.join()
    assert len(statuses) > 10 and set(statuses) == {200}
