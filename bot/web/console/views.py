"""Console pages. Staff see case ids, topics and threads; never a phone number or WhatsApp id."""

from __future__ import annotations

import functools
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from rq.job import Job
from rq.registry import FailedJobRegistry

from bot.content import replies
from bot.escalation import alarms, cases, delivery, local_outbox, queues
from bot.escalation import jobs as work
from bot.language.codes import NAMES as LANGUAGE_NAMES
from bot.privacy import redact
from bot.web.console import staff as accounts
from bot.web.console import words
from bot.web.state import get_redis, hotline, settings

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
MAX_REPLY = 1500  # one WhatsApp message or a few SMS segments; Twilio's limit is 1,600


@bp.before_request
def load_staff() -> Any:
    g.staff = accounts.get(get_redis(), session["staff"]) if "staff" in session else None
    if request.method == "POST":
        token = request.form.get("csrf", "")
        if not token or not hmac.compare_digest(token, session.get("csrf", "")):
            abort(400, "The form expired or did not come from this console. Reload and retry.")
    return None


@bp.app_context_processor
def helpers() -> dict[str, Any]:
    def csrf() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return str(session["csrf"])

    def when(ts: str | int | float) -> str:
        return words.when(float(ts), settings().timezone)

    def ago(ts: str | int | float) -> str:
        return words.ago(float(ts), time.time())

    return {
        "csrf": csrf,
        "when": when,
        "ago": ago,
        "words": words,
        "languages": LANGUAGE_NAMES,
        "label": lambda topic: hotline().routing.label(topic),
        "alarms": lambda: alarms.raised(get_redis()),
    }


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.staff is None:
            return redirect(url_for("console.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        r = get_redis()
        name = request.form.get("name", "").strip()
        if accounts.locked_out(r, name):
            return render_template(
                "console/login.html", error="Too many wrong passwords. Wait 15 minutes."
            ), 429
        account = accounts.login(r, name, request.form.get("password", ""))
        if account is None:
            return render_template("console/login.html", error="Wrong name or password."), 401
        session.clear()
        session["staff"] = account.name
        session["csrf"] = secrets.token_urlsafe(32)
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/console/") else url_for("console.queue"))
    return render_template("console/login.html", error=None)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("console.login"))


def _queue() -> dict[str, Any]:
    """The queue as this staffer may see it, with what the page and its live updates need."""
    visible = [c for c in cases.open_cases(get_redis()) if g.staff.sees(c)]
    urgent = [c["id"] for c in visible if c["urgency"] == queues.URGENT and c["status"] == "open"]
    now = time.time()
    missed = sum(cases.missed_target(c, now) for c in visible)
    return {"cases": visible, "urgent_open": urgent, "now": now, "missed": missed}


@bp.get("/")
@login_required
def queue() -> Any:
    return render_template("console/queue.html", **_queue())


@bp.get("/queue.json")
@login_required
def queue_json() -> Any:
    """The queue's rows, rendered, for the page to swap in place (no case text, no number)."""
    found = _queue()
    rows = render_template("console/queue_rows.html", **found)
    return jsonify(
        rows=rows,
        count=len(found["cases"]),
        urgent_open=found["urgent_open"],
        missed=found["missed"],
    )


def _case_or_404(case_id: str) -> dict[str, str]:
    case = cases.get(get_redis(), case_id)
    if not case or not g.staff.sees(case):
        abort(404)  # another provider's case looks exactly like no case
    return case


@bp.get("/cases/<case_id>")
@login_required
def case(case_id: str) -> Any:
    r = get_redis()
    found = _case_or_404(case_id)
    return render_template(
        "console/case.html",
        case=found,
        answers=words.answers(json.loads(found.get("answers", "{}"))),
        timeline=cases.timeline(r, case_id),
        thread=cases.thread(r, hotline().fernet, case_id),
        statuses=delivery.for_case(r, case_id),
        canned=_canned(found["lang"]),
        max_reply=MAX_REPLY,
    )


def _canned(lang: str) -> list[dict[str, str]]:
    """The organizers' canned replies, each in the person's language (English when a text is
    missing there), for staff to pick and edit."""
    bundle = hotline().bundle
    english = bundle.locales[bundle.fallback].messages
    found = replies.load(settings().content_dir).replies
    return [
        {"label": c.label, "text": bundle.text(c.key, lang)[0]} for c in found if c.key in english
    ]


@bp.get("/cases/<case_id>/status.json")
@login_required
def case_status(case_id: str) -> Any:
    """Each message's delivery status and its reason in words, for the case page to update."""
    _case_or_404(case_id)
    found = delivery.for_case(get_redis(), case_id)
    return jsonify(
        {
            ref: {"status": e["shown"], "reason": e["reason"], "code": e.get("code", "")}
            for ref, e in found.items()
        }
    )


@bp.post("/cases/<case_id>/claim")
@login_required
def claim(case_id: str) -> Any:
    _case_or_404(case_id)
    if not cases.claim(get_redis(), case_id, g.staff.name):
        flash("Someone else has this case.")
    return redirect(url_for("console.case", case_id=case_id))


@bp.post("/cases/<case_id>/reply")
@login_required
def reply(case_id: str) -> Any:
    r = get_redis()
    found = _case_or_404(case_id)
    text = request.form.get("text", "").strip()
    if not text or len(text) > MAX_REPLY:
        flash(f"Write a reply of 1 to {MAX_REPLY} characters.")
        return redirect(url_for("console.case", case_id=case_id))
    if found["status"] != cases.CaseStatus.CLAIMED or found.get("assignee") != g.staff.name:
        if not cases.claim(r, case_id, g.staff.name):
            flash("Someone else has this case.")
            return redirect(url_for("console.case", case_id=case_id))
    ttl = hotline().routing.thread_hours * 3600
    index = cases.add_message(r, hotline().fernet, case_id, "staff", text, ttl, by=g.staff.name)
    assert index is not None
    delivery.pending(r, case_id, f"reply:{index}")
    r.hsetnx(cases.CASE + case_id, "replied_at", f"{time.time():.0f}")  # the first reply's time
    work.reply(r, case_id, found["urgency"], index)
    cases.note(r, case_id, f"{g.staff.name} replied")
    cases.audit(r, g.staff.name, "reply", case_id)
    return redirect(url_for("console.case", case_id=case_id))


@bp.post("/cases/<case_id>/close")
@login_required
def close(case_id: str) -> Any:
    found = _case_or_404(case_id)
    r = get_redis()
    if delivery.in_flight(r, case_id) and request.form.get("confirmed") != "yes":
        # Closing erases the way back: a reply still on its way would be reported nowhere.
        return render_template("console/close.html", case=found)
    cases.close(r, case_id, g.staff.name)
    flash(f"Case {case_id} closed: its thread and way back are erased.")
    return redirect(url_for("console.queue"))


@bp.get("/outbox")
@login_required
def outbox() -> Any:
    """The local outbox: what the hotline would have sent through Twilio (organizers only)."""
    if g.staff.role != "organizer":
        abort(403)
    found = local_outbox.messages(settings(), get_redis())
    return render_template("console/outbox.html", messages=found, on=settings().local_outbox)


@bp.get("/jobs")
@login_required
def jobs() -> Any:
    """Failed jobs, newest first, with the reason's last line (redacted: Twilio errors can
    quote a number)."""
    r = get_redis()
    failed = []
    for name in queues.PRIORITY:
        registry = FailedJobRegistry(queue=queues.queue(r, name))
        for job in Job.fetch_many(
            registry.get_job_ids(), connection=r, serializer=queues.SERIALIZER
        ):
            if job is None:
                continue
            case_id = str(job.args[0]) if job.args else ""
            found = cases.get(r, case_id) if case_id else {}
            if found and not g.staff.sees(found):
                continue
            result = job.latest_result()
            reason = (result.exc_string if result else "") or ""
            failed.append(
                {
                    "id": job.id,
                    "queue": name,
                    "what": (job.func_name or "").rsplit(".")[-1],
                    "case": case_id,
                    "ended": job.ended_at,
                    "reason": redact(reason.strip().splitlines()[-1] if reason else ""),
                }
            )
    return render_template("console/jobs.html", jobs=failed)


@bp.post("/jobs/<job_id>/requeue")
@login_required
def requeue(job_id: str) -> Any:
    r = get_redis()
    for name in queues.PRIORITY:
        registry = FailedJobRegistry(queue=queues.queue(r, name))
        if job_id in registry.get_job_ids():
            registry.requeue(job_id)
            flash("Queued again.")
    cases.audit(r, g.staff.name, "requeue", job_id)
    current_app.logger.info("job %s requeued by %s", job_id, g.staff.name)
    return redirect(url_for("console.jobs"))
