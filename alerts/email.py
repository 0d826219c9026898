"""`kind = "email"`: one multipart/alternative mail (text and HTML) per alert, over SMTP.

Threading: every alert of a development carries the development's root id
`<DEVELOPMENT-ID@casewatch>`. The alert that announces a new development *is* the root:
its Message-ID is that root id (there is one such alert per development, so the id is
stable across retries). Every other alert has Message-ID `<ALERT-ID@casewatch>` and
`In-Reply-To` / `References` pointing at the root, so a mail client files a
development's updates under its first alert. Tests, digests and alerts without a
development (source health) are `<ALERT-ID@casewatch>` and start no thread.

Bcc recipients are in the SMTP envelope only, never in the headers. SMTP runs in a
worker thread. 4xx replies, refused connections, disconnects and timeouts are tried
again; 5xx replies (bad recipient, refused login, ...) are permanent.
"""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field, SecretStr, field_validator

from alerts.base import Alert, ChannelConfigBase, ChannelContext, Delivered, DeliveryError
from alerts.posting import printable
from alerts.render import email_html, email_subject, email_text

if TYPE_CHECKING:  # smtplib, ssl and email.policy load with the first mail
    import smtplib

MESSAGE_ID_DOMAIN = "casewatch"
_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")


def _check_address(value: str) -> str:
    if any(not c.isprintable() for c in value):
        raise ValueError("an address may not contain control characters")
    address = parseaddr(value)[1]
    if not _ADDRESS.match(address):
        raise ValueError(f'"{value}" is not an email address')
    return value


class EmailConfig(ChannelConfigBase):
    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["email"]
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default: by `security`
    security: Literal["ssl", "starttls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    timeout: float = Field(default=30.0, gt=0, le=300)

    @field_validator("from_")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _check_address(value)

    @field_validator("to", "cc", "bcc")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        return [_check_address(v) for v in values]

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]


def message_id(key: str) -> str:
    return f"<{key}@{MESSAGE_ID_DOMAIN}>"


def thread_ids(alert: Alert) -> tuple[str, str | None]:
    """(Message-ID, the root it replies to or None). See the module docstring."""
    if alert.development_id is None or alert.kind in ("digest", "test"):
        return message_id(alert.id), None
    root = message_id(alert.development_id)
    if alert.kind == "development" and alert.development_new:
        return root, None
    return message_id(alert.id), root


def build_message(alert: Alert, config: EmailConfig) -> EmailMessage:
    """The mail as sent: headers (no Bcc), text part, HTML part."""
    from email.policy import SMTP

    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = email_subject(alert)
    msg["From"] = config.from_
    msg["To"] = ", ".join(config.to)
    if config.cc:
        msg["Cc"] = ", ".join(config.cc)
    msg["Date"] = formatdate(usegmt=True)
    own, root = thread_ids(alert)
    msg["Message-ID"] = own
    if root:
        msg["In-Reply-To"] = root
        msg["References"] = root
    msg["X-Casewatch-Alert"] = alert.id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email_text(alert))
    msg.add_alternative(email_html(alert), subtype="html")
    return msg


def _envelope(config: EmailConfig) -> tuple[str, list[str]]:
    sender = parseaddr(config.from_)[1]
    recipients = [parseaddr(a)[1] for a in (*config.to, *config.cc, *config.bcc)]
    return sender, list(dict.fromkeys(recipients))


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {printable(said)}"


def _transfer(smtp: smtplib.SMTP, sender: str, recipients: list[str],
              message: EmailMessage) -> tuple[dict[str, tuple[int, bytes]], str]:
    """MAIL, RCPT, DATA (as smtplib's sendmail), keeping the server's final answer."""
    import smtplib
    from email.policy import SMTP

    smtp.ehlo_or_helo_if_needed()
    code, text = smtp.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, text)
    if len(refused) == len(recipients):
        raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
    code, text = smtp.data(message.as_bytes(policy=SMTP))
    if code != 250:
        raise smtplib.SMTPDataError(code, text)
    return refused, _reply(code, text)


class EmailChannel:
    def __init__(self, config: EmailConfig, context: ChannelContext) -> None:
        self.id = config.id
        self._config = config
        self._where = f"{config.host}:{config.effective_port}"

    def describe(self) -> str:
        return f"email:{self.id} ({self._where}, {self._config.security})"

    async def send(self, alert: Alert) -> Delivered:
        message = build_message(alert, self._config)
        return await asyncio.to_thread(self._send_blocking, message)

    def _connect(self) -> smtplib.SMTP:
        import smtplib
        import ssl

        config = self._config
        port = config.effective_port
        if config.security == "ssl":
            return smtplib.SMTP_SSL(config.host, port, timeout=config.timeout,
                                    context=ssl.create_default_context())
        smtp = smtplib.SMTP(config.host, port, timeout=config.timeout)
        try:
            if config.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send_blocking(self, message: EmailMessage) -> Delivered:
        import smtplib

        config = self._config
        sender, recipients = _envelope(config)
        try:
            with self._connect() as smtp:
                if config.username:
                    password = config.password.get_secret_value() if config.password else ""
                    smtp.login(config.username, password)
                refused, answer = _transfer(smtp, sender, recipients, message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{rcpt}: {_reply(c, t)}" for rcpt, (c, t) in
                               exc.recipients.items())
            raise DeliveryError(f"email: {self._where} refused every recipient ({detail})",
                                retryable=all(400 <= c < 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"email: {self._where} answered {_reply(exc.smtp_code, exc.smtp_error)}",
                retryable=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"email: {self._where}: {printable(str(exc))}",
                                retryable=False) from None
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refusals, timeouts, TLS
            raise DeliveryError(
                f"email: cannot deliver via {self._where} ({type(exc).__name__}: "
                f"{printable(str(exc))})", retryable=True) from None
        accepted = len(recipients) - len(refused)
        detail = f"email: {self._where} answered {answer} ({accepted} recipient(s))"
        if refused:
            detail += "; refused " + ", ".join(
                f"{rcpt} ({_reply(c, t)})" for rcpt, (c, t) in refused.items())
        return Delivered(detail)

    async def aclose(self) -> None:
        return None
