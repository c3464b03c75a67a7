#!/usr/bin/env python3
"""kill -9 campaign for `dita run` (standard library only).

A BingX simulator runs as its own long-lived process (its orders and positions survive the
kills); `dita run` is SIGKILLed at random moments while a client streams intents and retries
every unanswered one with the same intent_id. After each restart:
  - every acknowledged intent still has its first outcome (GET /v1/intents/{id});
  - the money identity holds: capital == initial + realized - fees + funding;
  - the kernel's slots match the venue's positions (signed REST to the simulator), no mismatch.
At the end: no client order id reached the venue twice (the simulator counts duplicates), every
acknowledged order exists at the venue, and SIGTERM stops `dita run` with exit 0.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sim_process import fail, sim_get, start_sim, stop_sim, venue_positions  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()

class Client(threading.Thread):
    """Streams intents; an intent without an answer is sent again, unchanged, until answered."""

    def __init__(self, port, slots, rng):
        super().__init__(daemon=True)
        self.port, self.slots, self.rng = port, slots, rng
        self.acked = {}  # intent_id -> (request, outcome)
        self.open = [False] * slots
        self.counter = 0
        self.paused = threading.Event()
        self.idle = threading.Event()
        self.stop = False
        self.retries = 0

    def next_intent(self):
        self.counter += 1
        slot = self.counter % self.slots
        side = "LONG" if slot % 2 == 0 else "SHORT"
        price = round(50000 + self.rng.uniform(-200, 200), 1)
        if not self.open[slot]:
            return slot, {"intent_id": f"k{self.counter}", "trade_id": f"t{self.counter}", "slot_id": slot,
                          "asset": "BTCUSDT", "side": side, "action": "ENTER", "leverage": 2.0,
                          "target_size": self.rng.choice([0.001, 0.002, 0.005]), "reference_price": price}
        return slot, {"intent_id": f"k{self.counter}", "slot_id": slot, "action": "EXIT", "reference_price": price}

    def send_until_answered(self, body):
        while not self.stop:
            try:
                status, answer = request(self.port, "POST", "/v1/intents", body)
                if status == 200:
                    return answer
                if status != 503:
                    fail(f"intent {body['intent_id']}: HTTP {status}: {answer}")
            except (OSError, http.client.HTTPException, ValueError):
                pass
            self.retries += 1
            time.sleep(0.02)
        return None

    def run(self):
        while not self.stop:
            if self.paused.is_set():
                self.idle.set()
                time.sleep(0.01)
                continue
            self.idle.clear()
            slot, body = self.next_intent()
            answer = self.send_until_answered(body)
            if answer is None:
                break
            self.acked[body["intent_id"]] = (body, answer["outcome"])
            # The slot's state decides the next action; a refused intent changes nothing.
            code = answer["outcome"]["diagnostic_code"]
            if body["action"] == "ENTER" and code in ("OK", "SLOT_BUSY"):
                self.open[slot] = True
            elif body["action"] == "EXIT" and code in ("OK", "NOTHING_TO_EXIT"):
                self.open[slot] = False
        self.idle.set()

    def pause(self):
        self.paused.set()
        self.idle.wait(30)

    def resume(self):
        self.idle.clear()
        self.paused.clear()


def wait_ready(port, proc, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            fail(f"dita run exited with {proc.returncode} before it was ready")
        try:
            if request(port, "GET", "/readyz", timeout=1.0)[0] == 200:
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.02)
    fail("dita run not ready in time")

def check_state(port, sim_port, client, initial):
    for intent_id, (body, outcome) in list(client.acked.items()):
        status, stored = request(port, "GET", "/v1/intents/" + urllib.parse.quote(intent_id))
        if status != 200:
            fail(f"acknowledged intent {intent_id} lost after restart: HTTP {status} {stored}")
        for key in ("diagnostic_code", "input_sequence", "details"):
            if stored["outcome"].get(key) != outcome.get(key):
                fail(f"intent {intent_id}: first outcome {outcome} became {stored['outcome']}")
    agreed, last = False, None
    for _ in range(100):  # events of the last orders may still be on their way
        _, snap = request(port, "GET", "/v1/snapshot")
        account = snap["account"]
        identity = account["initial_capital"] + account["realized_pnl"] - account["fees_paid"] + account["funding"]
        if abs(account["capital"] - identity) > 1e-6 or abs(account["initial_capital"] - initial) > 1e-9:
            fail(f"money identity broken: {account}")
        kernel = {"LONG": 0.0, "SHORT": 0.0}
        for s in snap["slots"]:
            if s["size"] > 0:
                kernel[s["side"]] += s["size"]
        venue = venue_positions(sim_port)
        last = (kernel, venue, snap["service"]["mismatched_assets"])
        if all(abs(kernel[k] - venue[k]) < 1e-9 for k in kernel) and not snap["service"]["mismatched_assets"]:
            agreed = True
            break
        time.sleep(0.05)
    if not agreed:
        fail(f"slots do not match the venue: kernel {last[0]} venue {last[1]} mismatched {last[2]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dita", required=True)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="dita-kill-")
    sim, sim_port = start_sim(args.sim)
    dita = None
    try:
        port = free_port()
        config = os.path.join(work, "dita.toml")
        with open(config, "w") as f:
            f.write(f"""[venue]
kind = "bingx-sim"
rest_url = "http://127.0.0.1:{sim_port}"
[journal]
path = "journal.sqlite"
[kernel]
slots = 4
initial_capital = "10000"
[reconcile]
interval_ms = 1000
[marks]
interval_ms = 500
[api]
port = {port}
[log]
file = "dita.log"
level = "info"
""")

        def start():
            return subprocess.Popen([args.dita, "run", "--config", config], stdout=subprocess.DEVNULL)

        dita = start()
        wait_ready(port, dita)
        client = Client(port, 4, random.Random(args.seed + 1))
        client.start()
        kills = 0
        started = time.time()
        while kills < args.kills:
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0.0, 0.3))  # during the start-up: restore or reconcile
            else:
                wait_ready(port, dita)
                time.sleep(rng.uniform(0.05, 0.4))
            dita.send_signal(signal.SIGKILL)
            dita.wait()
            kills += 1
            dita = start()
            wait_ready(port, dita)
            client.pause()
            check_state(port, sim_port, client, 10000.0)
            client.resume()
        client.pause()
        check_state(port, sim_port, client, 10000.0)
        client.stop = True
        dita.send_signal(signal.SIGTERM)
        try:
            code = dita.wait(timeout=20)
        except subprocess.TimeoutExpired:
            fail("dita run did not stop on SIGTERM")
        if code != 0:
            fail(f"dita run exited {code} on SIGTERM")
        # Every acknowledged order is at the venue, once, under the id the journal's prefix gives it.
        with sqlite3.connect(os.path.join(work, "journal.sqlite")) as db:
            row = db.execute("SELECT value FROM service_settings WHERE key = 'client_order_id_prefix'").fetchone()
        if row is None:
            fail("the journal keeps no client order id prefix")
        prefix = row[0]
        orders = 0
        for intent_id, (body, outcome) in client.acked.items():
            if outcome["diagnostic_code"] == "OK" and "waits" not in outcome.get("details", ""):
                answer = sim_get(sim_port, "/openApi/swap/v2/trade/order",
                                 {"symbol": "BTC-USDT", "clientOrderId": f"{prefix}-{intent_id}".lower()})
                if answer.get("code") != 0:
                    fail(f"acknowledged intent {intent_id}: its order is not at the venue: {answer}")
                orders += 1
        report = stop_sim(sim)
        acked = len(client.acked)
        print(f"kill campaign: {kills} SIGKILLs in {time.time() - started:.1f} s, {acked} intents acknowledged "
              f"({orders} orders checked at the venue), {client.retries} retries, "
              f"{report['orders_created']} orders at the venue, 0 duplicates; all checks passed", flush=True)
        if acked < kills:
            fail("too few intents acknowledged for the campaign to mean anything")
    finally:
        for proc in (dita, sim):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
