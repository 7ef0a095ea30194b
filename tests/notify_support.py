"""A loopback webhook receiver (127.0.0.1 only) and a county whose departments have channels on it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.clock_support import County, write_config

SECRET = "s3cr3t-hook-key-9f2c"
SIGN_SECRET = "SECd1ngtalk-sign-7a1b"


@dataclass
class Receiver:
    """Answers each request by the next behaviour in `plan` ("ok", "fail", "slow"; then "ok")."""

    plan: list[str] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    slow_seconds: float = 1.5
    delay: float = 0.0  # every answer waits this long (a batch long enough to be killed in)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                behaviour = receiver.plan.pop(0) if receiver.plan else "ok"
                time.sleep(receiver.delay)
                if behaviour == "slow":  # longer than the sender waits: it has given up
                    time.sleep(receiver.slow_seconds)
                    return
                if behaviour == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append({"path": self.path, "key": self.headers.get("Idempotency-Key"),
                                          "body": json.loads(body.decode("utf-8")), "behaviour": behaviour})
                reply = b'{"errcode": 0}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                # A sender killed mid-request (the SIGKILL test) breaks its connection: expected here,
                # and a traceback printed from this thread would land in another command's output.
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def notify_county(directory: Path, db_url: str, receiver: Receiver, *, secrets_mode: int = 0o600, extra: str = "",
                  channels: str = "") -> County:
    """The shipped county with 住建局 on a JSON webhook (its key a secret in the URL), 自然资源局 on a
    signed 钉钉 robot, and the office on a 企业微信 robot — all on the loopback receiver."""
    secrets = directory / "secrets.toml"
    secrets.write_text(f'hook_key = "{SECRET}"\nding_sign = "{SIGN_SECRET}"\n', encoding="utf-8")
    secrets.chmod(secrets_mode)
    toml = f"""
[notify]
secrets = "secrets.toml"
timeout_seconds = 0.5
max_attempts = 3
backoff_seconds = 60
{extra}
[[notify.channels]]
name = "zhujian_hook"
type = "webhook"
department = "zhujian"
url = "{receiver.base}/hook/{{secret}}"
secret = "hook_key"

[[notify.channels]]
name = "ziran_ding"
type = "dingtalk"
department = "ziranziyuan"
url = "{receiver.base}/ding?access_token=abc"
sign_secret = "ding_sign"

[[notify.channels]]
name = "office_wecom"
type = "wecom"
office = true
url = "{receiver.base}/wecom?key=k"
{channels}"""
    return County(db_url, write_config(directory, extra=toml))
