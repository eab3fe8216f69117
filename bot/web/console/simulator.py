"""The flow simulator: organizers chat with the flows in force, with no side effects."""

from __future__ import annotations

import json
from typing import Any

from flask import g, jsonify, render_template, request

from bot.engine import Inbound, Session, advance
from bot.engine.sms import MAX_MESSAGE, encoding, segments
from bot.web.console.views import bp, login_required
from bot.web.state import get_redis, hotline

SIM = "hl:sim:"  # + staff name -> the simulated session (no case is ever opened from here)
SIM_TTL = 3600


@bp.get("/simulator")
@login_required
def simulator() -> Any:
    return render_template("console/simulator.html")


@bp.post("/simulator/send")
@login_required
def simulator_send() -> Any:
    r = get_redis()
    text = request.form.get("text", "")[:MAX_MESSAGE]
    channel = "whatsapp" if request.form.get("channel") == "whatsapp" else "sms"
    raw = r.get(SIM + g.staff.name)
    session = Session.from_json(json.loads(raw)) if raw else None
    found = hotline().detector.detect(text) if text.strip() else None
    inbound = Inbound(
        text,
        channel,
        0,
        found.lang if found else None,  # type: ignore[arg-type]
        bool(found and found.lang and not found.ambiguous),
    )
    turn = advance(hotline().bundle, session, inbound, lambda: "SIM1")
    if turn.session is None:
        r.delete(SIM + g.staff.name)
    else:
        r.set(SIM + g.staff.name, json.dumps(turn.session.to_json()), ex=SIM_TTL)
    shown = turn.to_json()
    shown["replies"] = [
        {"text": t, "segments": segments(t), "encoding": encoding(t)} for t in turn.outgoing
    ]
    return jsonify(shown)


@bp.post("/simulator/reset")
@login_required
def simulator_reset() -> Any:
    get_redis().delete(SIM + g.staff.name)
    return jsonify(reset=True)
