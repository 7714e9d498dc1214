"""A console e-mail backend for development that people can read: Django's console backend prints the raw
MIME message, where a Chinese subject is `=?utf-8?b?…?=` and the body base64. This one prints the subject,
addresses and plain-text body decoded, and names the HTML alternative and the attachments."""
from __future__ import annotations

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend


class ReadableConsoleEmailBackend(ConsoleEmailBackend):
    def write_message(self, message):
        lines = [
            f"Subject: {message.subject}",
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        if message.bcc:
            lines.append(f"Bcc: {', '.join(message.bcc)}")
        for name, value in (message.extra_headers or {}).items():
            lines.append(f"{name}: {value}")
        lines += ["", message.body or ""]
        for _content, mimetype in getattr(message, "alternatives", []) or []:
            lines.append(f"[alternative part: {mimetype}]")
        for attachment in message.attachments:
            filename = getattr(attachment, "filename", None) or (attachment[0] if isinstance(attachment, tuple) else "")
            lines.append(f"[attachment: {filename or 'unnamed'}]")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
