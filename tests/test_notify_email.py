"""Issue 21 items 2 and 5: e-mail over SMTP with STARTTLS and AUTH, to a real SMTP server in-process
(aiosmtpd) on 127.0.0.1, its certificate made for the test by openssl and verified by the sender."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from models.store.schema import Outbox
from tests.clock_support import County, at, write_config

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult

PASSWORD = "smtp-pa55-word-41c"


def _certificate(directory: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    import ssl

    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = auth_data.login == b"office" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok)

    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                                                require_starttls=True, authenticator=authenticator,
                                                auth_require_tls=True)
    controller.start()
    yield inbox, port, cert
    controller.stop()


def test_email_goes_over_starttls_with_auth_and_carries_the_key(tmp_path: Path, db_url: str, smtp_server: Any) -> None:
    inbox, port, cert = smtp_server
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'smtp = "{PASSWORD}"\n', encoding="utf-8")
    secrets.chmod(0o600)
    extra = f"""
[notify]
secrets = "secrets.toml"

[[notify.channels]]
name = "zhujian_mail"
type = "email"
department = "zhujian"
host = "127.0.0.1"
port = {port}
user = "office"
password = "smtp"
sender = "chuishao@county.example"
to = ["liaison@zhujian.example"]
ca_file = "{cert}"
"""
    c = County(db_url, write_config(tmp_path, extra=extra))
    case_id = c.dispatched_case(at(2026, 11, 27, 9))
    c.clock.set(at(2026, 11, 27, 9, 5))
    result = c.run("notify", "run", "--once")
    assert result.exit_code == 0, result.output
    [mail] = inbox.messages
    row = Outbox.get(Outbox.case == case_id)
    assert mail["Idempotency-Key"] == row.key and mail["To"] == "liaison@zhujian.example"
    assert "县住房和城乡建设局" in mail.get_content() and f"第{case_id}号" in mail.get_content()
    assert row.state == "sent" and PASSWORD not in result.output
