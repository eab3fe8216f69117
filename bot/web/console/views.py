"""Console pages. Staff see case ids, topics and threads; never a phone number or WhatsApp id."""

from __future__ import annotations

import functools
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
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
from markupsafe import Markup
from rq.job import Job
from rq.registry import FailedJobRegistry

from bot.content import replies
from bot.escalation import alarms, cases, delivery, local_outbox, queues
from bot.escalation import jobs as work
from bot.language.codes import NAMES as LANGUAGE_NAMES
from bot.privacy import redact, without_bidi_controls
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
# No inline script or style anywhere in the console, no framing, nothing sent elsewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
MAX_REPLY = 1500  # one WhatsApp message or a few SMS segments; Twilio's limit is 1,600


@bp.before_request
def load_staff() -> Any:
    g.staff = accounts.get(get_redis(), session["staff"]) if "staff" in session else None
    if g.staff is not None and session.get("v") != g.staff.version:
        session.clear()  # logged out elsewhere, password reset, or account removed
        g.staff = None
    if request.method == "POST":
        token = request.form.get("csrf", "")
        if not token or not hmac.compare_digest(token, session.get("csrf", "")):
            abort(400, "The form expired or did not come from this console. Reload and retry.")
    return None


@bp.after_request
def harden(response: Response) -> Response:
    """Every console response: no framing, no sniffing, no referrer, no copies in caches."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    if settings().production:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


@bp.app_template_filter("without_bidi")
def without_bidi(text: str) -> str:
    return without_bidi_controls(text)


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


PENDING_SECONDS = 300  # between the right password and the second factor


def _next_target() -> str:
    """Where to go after logging in: a console path only; anything else is a bad request."""
    target = request.args.get("next", "")
    if not target:
        return url_for("console.queue")
    if (
        len(target) > 200
        or not target.startswith("/console/")
        or "//" in target
        or "\\" in target
        or not target.isprintable()
    ):
        abort(400, "That link to the console is not valid.")
    return target


def _refused(template: str, error: str, status: int, **context: Any) -> Any:
    return render_template(template, error=error, **context), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = _next_target()
    if request.method == "GET":
        return render_template("console/login.html", error=None)
    r = get_redis()
    name = request.form.get("name", "").strip()
    if len(name) > accounts.MAX_NAME:
        abort(400, "That name is too long.")
    address = request.remote_addr or ""
    wait = accounts.attempt(r, name, address)
    if wait:
        return _refused("console/login.html", f"Too many tries. Wait {wait} seconds.", 429)
    account = accounts.check_password(r, name, request.form.get("password", ""))
    if account is None:
        cases.audit(r, name, "login failed", "")
        return _refused("console/login.html", "Wrong name or password.", 401)
    accounts.succeeded(r, name, address)
    session.clear()
    session.update(pending=account.name, pending_v=account.version, pending_at=time.time())
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(url_for("console.second_factor", next=target))


def _pending() -> accounts.Staff | None:
    """The account whose password was right a moment ago in this browser."""
    name = session.get("pending")
    if not name or time.time() - float(session.get("pending_at", 0)) > PENDING_SECONDS:
        return None
    account = accounts.get(get_redis(), name)
    return account if account and account.version == session.get("pending_v") else None


def _qr_svg(uri: str) -> Markup:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return Markup(image.to_string(encoding="unicode"))


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> Any:
    target = _next_target()
    account = _pending()
    if account is None:
        session.clear()
        return redirect(url_for("console.login"))
    r = get_redis()
    uri = accounts.enrollment_uri(r, account.name)
    context = {"uri": uri, "qr": _qr_svg(uri) if uri else None}
    if request.method == "GET":
        return render_template("console/code.html", error=None, **context)
    address = request.remote_addr or ""
    wait = accounts.attempt(r, account.name, address)
    if wait:
        return _refused(
            "console/code.html", f"Too many tries. Wait {wait} seconds.", 429, **context
        )
    if not accounts.check_second_factor(r, account.name, request.form.get("code", "")):
        cases.audit(r, account.name, "login failed", "")
        return _refused("console/code.html", "That code is not right.", 401, **context)
    accounts.succeeded(r, account.name, address)
    session.clear()
    session.update(staff=account.name, v=account.version, csrf=secrets.token_urlsafe(32))
    cases.audit(r, account.name, "login", "")
    return redirect(target)


@bp.post("/logout")
def logout() -> Any:
    if g.staff is not None:  # every session of this account, in every browser, ends
        accounts.end_sessions(get_redis(), g.staff.name)
        cases.audit(get_redis(), g.staff.name, "logout", "")
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
            if not _sees_job(r, job):
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


def _sees_job(r: Any, job: Job) -> bool:
    """Organizers see every failed job; staff only their provider's open cases' jobs (a job of
    a closed case, or of no case, could be anyone's)."""
    if g.staff.role == "organizer":
        return True
    case_id = str(job.args[0]) if job.args and job.id.startswith(queues.CASE_JOB) else ""
    found = cases.get(r, case_id) if case_id else {}
    return bool(found) and g.staff.sees(found)


@bp.post("/jobs/<job_id>/requeue")
@login_required
def requeue(job_id: str) -> Any:
    r = get_redis()
    for name in queues.PRIORITY:
        registry = FailedJobRegistry(queue=queues.queue(r, name))
        if job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=r, serializer=queues.SERIALIZER)
            if not _sees_job(r, job):
                abort(404)  # another provider's job looks exactly like no job
            registry.requeue(job_id)
            flash("Queued again.")
    cases.audit(r, g.staff.name, "requeue", job_id)
    current_app.logger.info("job %s requeued by %s", job_id, g.staff.name)
    return redirect(url_for("console.jobs"))


@bp.get("/audit")
@login_required
def audit() -> Any:
    """For organizers: who logged in (or failed to), claimed, replied, closed, requeued; never
    any message text."""
    if g.staff.role != "organizer":
        abort(403)
    entries = [json.loads(raw) for raw in get_redis().lrange(cases.AUDIT, 0, 499)]
    return render_template("console/audit.html", entries=entries)
