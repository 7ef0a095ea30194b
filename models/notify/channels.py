"""The transports, one function per channel type, all standard library.

Every HTTP channel sends the idempotency key both as the `Idempotency-Key` header and (for the
generic webhook) in the body, so a receiver that sees a message twice — the sender was killed after
delivering and before recording it — can drop the repeat. A failure raises DeliveryFailed with a
text that names the channel and what happened, never a secret (URLs with keys are not quoted).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import Any

from models.notify.settings import Channel


class DeliveryFailed(Exception):
    """One attempt on one channel failed; the text is safe to store and show."""


def _url(channel: Channel) -> str:
    url = str(channel.spec.get("url", ""))
    return url.replace("{secret}", urllib.parse.quote(channel.secret("secret"), safe=""))


def dingtalk_signed(url: str, sign_secret: str, timestamp_ms: int) -> str:
    """钉钉's signed robot URL: timestamp + sign = base64(HMAC-SHA256("timestamp\\nsecret")), url-encoded."""
    digest = hmac.new(sign_secret.encode("utf-8"), f"{timestamp_ms}\n{sign_secret}".encode(),
                      hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


def _post(channel: Channel, url: str, body: dict[str, Any] | str, key: str, timeout: float,
          content_type: str = "application/json") -> None:
    data = (json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": f"{content_type}; charset=utf-8", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = response.read(4096)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{channel.name}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"{channel.name}: {type(reason).__name__ if not isinstance(reason, str) else reason}"
                             ) from None
    if channel.type in ("wecom", "dingtalk"):  # both answer 200 with {"errcode": 0} on success
        try:
            code = json.loads(reply or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            code = "unreadable reply"
        if code not in (0, None):
            raise DeliveryFailed(f"{channel.name}: robot refused (errcode {code})")


def send(channel: Channel, text: str, key: str, *, timeout: float, now_ms: int) -> None:
    """Deliver one text through one channel (raises DeliveryFailed)."""
    kind = channel.type
    if kind == "webhook":
        _post(channel, _url(channel), {"idempotency_key": key, "text": text}, key, timeout)
    elif kind == "wecom":
        _post(channel, _url(channel), {"msgtype": "text", "text": {"content": text}}, key, timeout)
    elif kind == "dingtalk":
        url = _url(channel)
        if channel.secret("sign_secret"):
            url = dingtalk_signed(url, channel.secret("sign_secret"), now_ms)
        _post(channel, url, {"msgtype": "text", "text": {"content": text}}, key, timeout)
    elif kind == "sms":
        for phone in channel.spec.get("phones", []):
            body = str(channel.spec.get("body", "{text}"))
            filled = (body.replace("{phone}", json.dumps(phone)[1:-1]).replace("{text}", json.dumps(text)[1:-1])
                      .replace("{key}", key).replace("{secret}", channel.secret("secret")))
            _post(channel, _url(channel), filled, key, timeout)
    elif kind == "email":
        _email(channel, text, key, timeout)
    else:
        raise DeliveryFailed(f"{channel.name}: unknown channel type {kind}")


def _email(channel: Channel, text: str, key: str, timeout: float) -> None:
    spec = channel.spec
    message = EmailMessage()
    message["From"] = spec.get("sender", "chuishao@localhost")
    message["To"] = ", ".join(spec.get("to", []))
    message["Subject"] = text.splitlines()[0][:60]
    message["Message-ID"] = f"<{key.replace(':', '.')}@chuishao>"  # the idempotency key, for the receiver
    message["Idempotency-Key"] = key
    message.set_content(text)
    try:
        with smtplib.SMTP(str(spec.get("host", "127.0.0.1")), int(spec.get("port", 25)), timeout=timeout) as smtp:
            if spec.get("starttls", True):  # the server's certificate is verified (ca_file: a private CA)
                smtp.starttls(context=ssl.create_default_context(cafile=spec.get("ca_file") or None))
            if spec.get("user"):
                smtp.login(str(spec["user"]), channel.secret("password"))
            smtp.send_message(message)
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"{channel.name}: SMTP {type(exc).__name__}") from None
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryFailed(f"{channel.name}: {type(exc).__name__}") from None
