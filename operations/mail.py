"""The one way e-mail leaves the platform: `send_templated_mail`.

Every message is rendered from templates in `templates/emails/`: `<name>_subject.txt` (one line),
`<name>.txt` (the text body) and, optionally, `<name>.html` (the HTML alternative; without it the text is
laid out by `emails/base.html`, links made clickable). Everything is rendered in the recipient's language
(`translation.override`). The text parts are plain text (no HTML escaping); the HTML part is escaped.

A notification the person can turn off in their preferences carries `List-Unsubscribe` (RFC 2369) with the
page where they do it; when that address takes a one-click POST (RFC 8058), `List-Unsubscribe-Post` too.

Called from a Celery task (`task=self`, queued through `operations.outbox.enqueue`, so after the commit),
a message goes out exactly once per event: the task's event key (`operations.effects`) is claimed in the
same transaction as the sending, a redelivered task finds it and sends nothing, and SMTP trouble rolls the
claim back and retries the task. Services decide what to send, to whom and in which language; tasks only
load their ids and call the service. `tests/operations/test_mail.py` fails when mail is sent any other way."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

from .effects import effect_once, task_event_key

TEMPLATE_DIR = "emails"
ONE_CLICK = "List-Unsubscribe=One-Click"


def mail_language(code: str | None) -> str:
    """A language we write in: `code` when the site offers it, the default language otherwise."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def site_link(path: str) -> str:
    """An absolute address on this site (e-mails carry full links)."""
    return settings.SITE_URL.rstrip("/") + path


def _render(name: str, context: dict, *, autoescape: bool) -> str:
    template = get_template(name).template  # the engine's Template: render with our own Context
    rendered = template.render(Context(context, autoescape=autoescape))
    # A plain str, not the SafeString the engine returns: the text parts are not HTML, and the HTML layout
    # must escape the text it is given.
    return str.__str__(rendered)


def render_templated_mail(template: str, context: dict, language: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of `emails/<template>` in `language`."""
    with translation.override(mail_language(language)):
        base = f"{TEMPLATE_DIR}/{template}"
        subject = _render(f"{base}_subject.txt", context, autoescape=False).strip()
        text = _render(f"{base}.txt", context, autoescape=False)
        try:
            html = _render(f"{base}.html", context, autoescape=True)
        except TemplateDoesNotExist:
            html = _render(f"{TEMPLATE_DIR}/base.html", {"text": text}, autoescape=True)
    return subject, text, html


def send_templated_mail(template: str, context: dict, to: str | Iterable[str], language: str | None = None, *,
                        task=None, key: str = "", unsubscribe_url: str = "", one_click: bool = False,
                        from_email: str | None = None, connection=None, retry_args: tuple | None = None) -> bool:
    """Render `emails/<template>` in `language` and send it to `to` (text + HTML alternative).

    `task`: the bound Celery task this runs in. The message then goes out once for the task's event (or
    for `key`, when the event has a natural key); False when it was sent before. SMTP trouble retries the
    task (with `retry_args` instead of its own arguments when given). Without a task (or a key) the message
    is sent at once and SMTP errors are raised.
    `unsubscribe_url`: where the person turns this kind of mail off (`List-Unsubscribe`); `one_click`: that
    address accepts the RFC 8058 one-click POST (`List-Unsubscribe-Post`)."""
    recipients = [to] if isinstance(to, str) else list(to)
    subject, text, html = render_templated_mail(template, context, language)
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        if one_click:
            headers["List-Unsubscribe-Post"] = ONE_CLICK
    message = EmailMultiAlternatives(subject, text, from_email or settings.DEFAULT_FROM_EMAIL, recipients,
                                     headers=headers or None, connection=connection)
    message.attach_alternative(html, "text/html")
    key = key or (task_event_key(task) if task is not None else "")
    with effect_once(key, task_name=getattr(task, "name", "")) as first:
        if not first:  # a redelivered task: the e-mail went out already
            return False
        try:
            message.send()
        except OSError as exc:  # SMTP trouble: the claim is rolled back, try again later
            if task is None:
                raise
            if retry_args is not None:
                raise task.retry(exc=exc, args=retry_args) from exc
            raise task.retry(exc=exc) from exc
    return True
