"""Headless Chromium driven over the DevTools protocol, for printing the impact report to PDF
(with the data line and page numbers in every page's footer) and for the browser test
(console errors, what the page really shows).

No library: Chromium speaks the protocol over a pipe (``--remote-debugging-pipe``: it reads
commands on fd 3 and writes answers and events on fd 4, each a JSON text ended by a NUL
byte). A shell ``exec`` puts our stdin and stdout pipes on those two descriptors, so no
``preexec_fn`` (unsafe with threads) and no port are needed. Debian's ``chromium`` package
is enough; nothing is downloaded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ENV = "LEERWINKELS_CHROMIUM"
TIMEOUT_SECONDS = 60.0


class BrowserError(RuntimeError):
    """Chromium could not be started, or did not answer in time; the message says which."""


def find_chromium() -> str | None:
    """The Chromium to use: ``$LEERWINKELS_CHROMIUM`` when set, else the first of
    :data:`CHROMIUM_NAMES` on PATH; None when there is none."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@dataclass
class PageReport:
    """What happened while a page was open: console messages and errors of level error."""

    errors: list[str] = field(default_factory=list)


class Browser:
    """One headless Chromium with one page. Use as a context manager."""

    def __init__(self, chromium: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="leerwinkels-chromium-")
        args = [
            chromium, "--headless", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-dev-shm-usage", "--disable-features=Translate,MediaRouter", "--mute-audio",
            f"--user-data-dir={self._profile.name}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- open for the browser's lifetime, closed in close()
        try:
            self._proc = subprocess.Popen(
                ["sh", "-c", 'exec "$@" 3<&0 4>&1 </dev/null >/dev/null', "sh", *args],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            )
        except OSError as exc:
            raise BrowserError(f"could not start {chromium}: {exc.strerror or exc}") from None
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.session = ""
        self.report = PageReport()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    # ---------------------------------------------------------------- protocol

    def _read(self) -> None:
        assert self._proc.stdout is not None
        buffer = b""
        stream = self._proc.stdout
        while chunk := os.read(stream.fileno(), 65536):
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self._messages.put(json.loads(message))
        self._messages.put(None)  # the browser is gone

    def _receive(self, deadline: float) -> dict[str, Any]:
        try:
            message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s") from None
        if message is None:
            self._stderr.seek(0)
            tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise BrowserError("Chromium stopped: " + (" / ".join(tail) or "no message"))
        if "method" in message:
            self._note(message)
        return message

    def _note(self, event: dict[str, Any]) -> None:
        """Keep the events of the page; note its console errors and uncaught exceptions."""
        self._events.append(event)
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            self.report.errors.append("console: " + " ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.report.errors.append("exception: " + str(details.get("exception", {}).get("description", details.get("text"))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.report.errors.append(f"log ({entry.get('source')}): {entry.get('text')}")

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        """Send one command and wait for its answer (events that arrive meanwhile are kept)."""
        assert self._proc.stdin is not None
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        try:
            self._proc.stdin.write(json.dumps(message).encode() + b"\0")
            self._proc.stdin.flush()
        except OSError:
            raise BrowserError(f"Chromium is gone (sending {method})") from None
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        seen = len(self._events)
        while True:
            for event in self._events[seen:]:
                if event["method"] == method:
                    return event
            seen = len(self._events)
            self._receive(deadline)

    # ---------------------------------------------------------------- page

    def open(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (returned by value, as JSON)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"the expression failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def print_pdf(self, footer_html: str = "") -> bytes:
        """The open page printed on A4 portrait, backgrounds on; ``footer_html`` (with
        Chromium's ``pageNumber``/``totalPages`` classes) at the foot of every page."""
        params: dict[str, Any] = {
            "paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True, "preferCSSPageSize": True,
        }
        if footer_html:
            params |= {"displayHeaderFooter": True, "headerTemplate": "<span></span>", "footerTemplate": footer_html,
                       "marginBottom": 0.9, "marginTop": 0.5}
        return base64.b64decode(self.call("Page.printToPDF", params)["data"])

    # ---------------------------------------------------------------- lifetime

    def close(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(BrowserError):
                self.call("Browser.close", session=False)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


__all__ = ["CHROMIUM_ENV", "Browser", "BrowserError", "PageReport", "find_chromium"]
