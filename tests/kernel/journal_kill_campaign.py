#!/usr/bin/env python3
"""kill -9 campaign for the kernel's SQLite journal (standard library only).

A BingX simulator runs as its own long-lived process (its orders and positions survive the
kills). journal_kill_child runs a kernel journaling to one SQLite file and trading through the
BingX adapter; it is SIGKILLed, alternately, at a random moment and right after its K-th order
reached the venue (it kills itself there: the crash between send and commit). After each death a
new child restores from the journal and carries on from the first intent it never acknowledged,
sent again under the same id. The campaign fails on:
  - a fail-closed restart: a restore at ERROR or worse, or any asset left mismatched;
  - a lost acknowledged input: an intent the child acknowledged (its input committed) whose
    outcome is not in the journal;
  - at the end: the kernel's positions differ from the venue's, the money identity is broken,
    an order is still working, or a client order id reached the venue twice.
"""
import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from sim_process import SIM_KEY, SIM_SECRET, fail, start_sim, stop_sim, venue_positions  # noqa: E402


class Child:
    """One child process; its stdout lines are read on a thread as they come."""

    def __init__(self, args, sim_port, journal, start, count=None, kill_after_send=0):
        command = [args.child, "--rest-url", f"http://127.0.0.1:{sim_port}", "--journal", journal,
                   "--start", str(start)]
        if count is not None:
            command += ["--count", str(count)]
        if kill_after_send:
            command += ["--kill-after-send", str(kill_after_send)]
        env = dict(os.environ, BINGX_API_KEY=SIM_KEY, BINGX_API_SECRET=SIM_SECRET)
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(json.loads(line))

    def wait(self, timeout):
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.wait(10)


def check_restart(child, kills):
    first = child.lines[0] if child.lines else None
    if first is None or "code" not in first:
        fail(f"restart after kill {kills}: the child said nothing about its restore: {child.lines[:1]}")
    if first["severity"] in ("ERROR", "CRITICAL") or first["code"] == "RECONCILE_MISMATCH" or first["mismatched_assets"]:
        fail(f"restart after kill {kills} failed closed: {first}")
    return first


def check_journal(journal, acked):
    """Every acknowledged input is in the journal with the outcome the child acknowledged (a retry
    of an input committed but never acknowledged adds an outcome of its own, e.g. DUPLICATE_INTENT)."""
    with sqlite3.connect(journal) as db:
        journaled = set(db.execute("SELECT input_ref, code FROM outcomes"))
    lost = [(i, c) for i, c in acked.items() if (i, c) not in journaled]
    if lost:
        fail(f"{len(lost)} acknowledged inputs lost or changed in the journal, e.g. {lost[:3]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--kills", type=int, default=120)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="dita-journal-kill-")
    journal = os.path.join(work, "journal.sqlite")
    sim, sim_port = start_sim(args.sim)
    child = None
    try:
        acked = {}  # intent id -> code of its first outcome, as the child acknowledged it
        next_intent = 0
        kills = after_send = in_flight_restores = restarts = 0
        started = time.time()
        while kills < args.kills:
            on_send = kills % 2 == 1
            child = Child(args, sim_port, journal, next_intent,
                          kill_after_send=rng.randint(1, 4) if on_send else 0)
            deadline = time.time() + 20
            while not child.lines and time.time() < deadline and child.proc.poll() is None:
                time.sleep(0.005)
            if child.lines and child.lines[0].get("restart"):
                restarts += 1
                if check_restart(child, kills)["in_flight"]:
                    in_flight_restores += 1
            elif child.lines and "start_failed" in child.lines[0]:
                fail(f"the child could not start: {child.lines[0]}")
            if on_send:
                try:
                    code = child.wait(30)
                except subprocess.TimeoutExpired:
                    fail("the child did not kill itself after its orders")
                if code != -signal.SIGKILL:
                    fail(f"the child exited {code} instead of dying after a send: {child.lines[-3:]}")
                after_send += 1
            else:
                time.sleep(rng.uniform(0.0, 0.25))
                child.kill()
            kills += 1
            for line in child.lines:
                if "ack" in line:
                    acked.setdefault(line["ack"], line["code"])
                    next_intent = max(next_intent, int(line["ack"][1:]) + 1)
        # One more start: restore, quiet, and the final state against the venue's.
        child = Child(args, sim_port, journal, next_intent, count=0)
        if child.wait(60) != 0:
            fail(f"the final child failed: {child.lines}")
        check_restart(child, kills)
        final = child.lines[-1]
        check_journal(journal, acked)
        venue = venue_positions(sim_port)
        if not final.get("identity"):
            fail(f"money identity broken: {final}")
        if final["mismatched_assets"] or final["working_orders"]:
            fail(f"the kernel is not at rest: {final}")
        if any(abs(final[k] - venue[k]) > 1e-9 for k in venue):
            fail(f"positions differ: kernel {final} venue {venue}")
        report = stop_sim(sim)
        print(f"journal kill campaign: {kills} SIGKILLs ({after_send} right after an order reached the venue) "
              f"in {time.time() - started:.1f} s; {restarts} restarts, {in_flight_restores} with an order written "
              f"ahead and unanswered, 0 failed closed; {len(acked)} inputs acknowledged, 0 lost; "
              f"{report['orders_created']} orders at the venue, 0 duplicates; positions {venue}", flush=True)
        if after_send < args.kills // 2 or in_flight_restores == 0 or len(acked) < args.kills:
            fail("the campaign did not reach the moments it is for")
    finally:
        for proc in (child.proc if child else None, sim):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
