"""A minimal W3C WebDriver client over HTTP for chromedriver, enough for DOM assertions in tests.

Standard library only: chromedriver speaks JSON over HTTP, so no Selenium is needed. The browser is
Debian's chromium, started headless with its network features off; pages are opened from files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("SPECGEN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SPECGEN_CHROMEDRIVER", "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element identifier

# Collects console errors and uncaught exceptions from the first script of every document on.
ERROR_HOOK = """
window.__consoleErrors = [];
const __origError = console.error.bind(console);
console.error = (...args) => { window.__consoleErrors.push(args.map(String).join(' ')); __origError(...args); };
window.addEventListener('error', e => window.__consoleErrors.push('uncaught: ' + e.message));
window.addEventListener('unhandledrejection', e => window.__consoleErrors.push('unhandled: ' + e.reason));
"""


def available() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is not installed (Debian packages chromium, chromium-driver)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(RuntimeError):
    pass


class Browser:
    """One chromedriver process and one headless chromium session."""

    def __init__(self, profile_dir: Path, width: int = 1280, height: int = 900) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = ""
        try:
            self._wait_ready()
            args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile_dir}", f"--window-size={width},{height}"]
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
                "goog:loggingPrefs": {"browser": "ALL"},
            }}}
            self.session = self._call("POST", "/session", caps)["sessionId"]
            self.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_HOOK})
        except BaseException:
            self.close()
            raise

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise WebDriverError(f"chromedriver exited with {self.proc.returncode}")
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not become ready")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = json.load(resp)
        except urllib.error.HTTPError as exc:
            payload = json.load(exc)
            raise WebDriverError(f"{method} {path}: {payload.get('value')}") from None
        return payload.get("value")

    def _s(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    def cdp(self, cmd: str, params: dict | None = None) -> Any:
        """A DevTools protocol command through chromedriver."""
        return self._s("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def emulate_phone(self, width: int = 390, height: int = 844) -> None:
        """Lay pages out as a phone would (headless windows do not go below 500 px wide)."""
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 3, "mobile": True})

    def get(self, url: str) -> None:
        self._s("POST", "/url", {"url": url})

    def execute(self, script: str, *args: Any) -> Any:
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        return self._s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, element: str) -> None:
        self._s("POST", f"/element/{element}/click", {})

    def console_errors(self) -> list[str]:
        """Errors the page reported: hooked console.error/uncaught ones, and the browser log's."""
        found = list(self.execute("return window.__consoleErrors || [];"))
        for entry in self._s("POST", "/se/log", {"type": "browser"}) or ():
            if entry.get("level") in ("SEVERE", "ERROR"):
                found.append(entry.get("message", ""))
        return found

    def close(self) -> None:
        if self.session:
            try:
                self._s("DELETE", "")
            except (OSError, WebDriverError):
                pass
            self.session = ""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
