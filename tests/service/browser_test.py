#!/usr/bin/env python3
"""The operator's page of `dita run` in headless Chromium (standard library only).

Starts `dita run` on the mock venue (port 0), opens two trades through the API, loads "/" in
Chromium driven over the DevTools protocol (a minimal WebSocket client below), checks the slots
table in the DOM, takes a screenshot, then really clicks HALT (mouse events at the button's
position), accepts the confirmation dialog, and checks the kernel's mode through the API.
"""
import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib


def fail(message):
    print("FAIL:", message, flush=True)
    sys.exit(1)


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client masking."""

    def __init__(self, url, timeout=10.0):
        match = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((match.group(1), int(match.group(2))), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {match.group(3)} HTTP/1.1\r\nHost: {match.group(1)}:{match.group(2)}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        if b" 101 " not in response.split(b"\r\n")[0]:
            fail(f"DevTools WebSocket refused: {response[:200]!r}")
        self.buffer = response.split(b"\r\n\r\n", 1)[1]

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                fail("DevTools WebSocket closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self):
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            message += payload
            if first & 0x80:
                return message.decode()


class DevTools:
    def __init__(self, ws_url):
        self.ws = WebSocket(ws_url)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.1)
        fail(f"page never satisfied: {expression}")

    def take_event(self, method):
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        return None


def api(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def png_check(data, path):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("the screenshot is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    # Many distinct byte values: a page with a table, not a blank or error screen.
    distinct = len(set(raw[: min(len(raw), 2_000_000)]))
    if width < 1000 or height < 600 or distinct < 40:
        fail(f"screenshot {path}: {width}x{height}, {distinct} distinct byte values: looks empty")
    return width, height


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dita", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--screenshot", default="dita-run-page.png")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="dita-browser-")
    dita = browser = None
    try:
        config = os.path.join(work, "dita.toml")
        with open(config, "w") as f:
            f.write('[journal]\npath = "journal.sqlite"\n[kernel]\nslots = 4\n[api]\nport = 0\n'
                    '[marks]\ninterval_ms = 200\nmock_prices = { BTCUSDT = ["50000", "50120.5"] }\n'
                    '[log]\nfile = "dita.log"\n')
        dita = subprocess.Popen([args.dita, "run", "--config", config], stdout=subprocess.PIPE, text=True)
        match = re.search(r"http://127\.0\.0\.1:(\d+)", dita.stdout.readline())
        if not match:
            fail("dita run did not print its address")
        port = int(match.group(1))
        for _ in range(200):
            try:
                if api(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        for slot, side, size in ((0, "LONG", 0.01), (2, "SHORT", 0.02)):
            status, answer = api(port, "POST", "/v1/intents", {
                "intent_id": f"page-{slot}", "trade_id": f"trade-{slot}", "slot_id": slot, "asset": "BTCUSDT",
                "side": side, "action": "ENTER", "target_size": size, "reference_price": 50000.0, "leverage": 3.0})
            if status != 200 or answer["outcome"]["diagnostic_code"] != "OK":
                fail(f"ENTER slot {slot}: {answer}")

        browser = subprocess.Popen([args.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                    "--remote-debugging-port=0", f"--user-data-dir={work}/profile",
                                    "--window-size=1400,900", "--no-first-run", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws_url = None
        deadline = time.time() + 30
        while time.time() < deadline and ws_url is None:
            line = browser.stderr.readline()
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                ws_url = found.group(1)
        if ws_url is None:
            fail("Chromium did not start its DevTools endpoint")
        devtools_port = int(re.search(r":(\d+)/", ws_url).group(1))
        conn = http.client.HTTPConnection("127.0.0.1", devtools_port, timeout=10)
        conn.request("GET", "/json/list")
        pages = [t for t in json.loads(conn.getresponse().read()) if t["type"] == "page"]
        conn.close()
        page = DevTools(pages[0]["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1400, height=900, deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
        page.wait_for("document.querySelectorAll('#slots tbody tr').length === 4")
        page.wait_for("[...document.querySelectorAll('#slots tbody tr')].filter(r => r.textContent.includes('POSITION_OPEN')).length === 2")
        page.wait_for("document.querySelector('#mode').textContent === 'NORMAL'")
        page.wait_for("document.querySelectorAll('#outcomes tbody tr').length > 0")
        row = page.evaluate("document.querySelector('#slots tbody tr[data-slot=\"2\"]').innerText")
        if "trade-2" not in row or "SHORT" not in row or "0.02" not in row:
            fail(f"slot 2's row does not show its trade: {row!r}")
        shot = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
        with open(args.screenshot, "wb") as f:
            f.write(shot)
        width, height = png_check(shot, args.screenshot)

        # The real click on HALT: mouse down and up at the button's centre; the page asks for
        # confirmation, which is accepted like a person would.
        box = page.evaluate("(() => { const r = document.querySelector('#btn-halt').getBoundingClientRect();"
                            " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            page.ws.send(json.dumps({"id": 10_000 + len(kind), "method": "Input.dispatchMouseEvent",
                                     "params": {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1}}))
        deadline = time.time() + 10
        dialog = None
        while dialog is None and time.time() < deadline:
            message = json.loads(page.ws.receive())
            if message.get("method") == "Page.javascriptDialogOpening":
                dialog = message["params"]
        if dialog is None or "HALTED" not in dialog.get("message", ""):
            fail(f"HALT did not ask for confirmation: {dialog}")
        page.ws.send(json.dumps({"id": 20_000, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}))
        mode = None
        for _ in range(100):
            mode = api(port, "GET", "/v1/snapshot")[1]["service"]["mode"]
            if mode == "HALTED":
                break
            time.sleep(0.05)
        if mode != "HALTED":
            fail(f"clicking HALT left the kernel {mode}")
        page.wait_for("document.querySelector('#mode').textContent === 'HALTED'")
        status, answer = api(port, "POST", "/v1/intents", {
            "intent_id": "after-halt", "trade_id": "t", "slot_id": 1, "asset": "BTCUSDT", "side": "LONG",
            "action": "ENTER", "target_size": 0.01, "reference_price": 50000.0})
        if answer["outcome"]["diagnostic_code"] != "KERNEL_HALTED":
            fail(f"ENTER after HALT: {answer}")
        print(f"browser test: slots table shown ({width}x{height} screenshot {args.screenshot}), HALT clicked and "
              "confirmed, kernel HALTED; passed", flush=True)
    finally:
        if browser is not None:
            browser.kill()
            browser.wait()
        if dita is not None and dita.poll() is None:
            dita.send_signal(signal.SIGTERM)
            try:
                dita.wait(timeout=15)
            except subprocess.TimeoutExpired:
                dita.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
