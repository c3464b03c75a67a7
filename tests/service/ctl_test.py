#!/usr/bin/env python3
"""`dita ctl` against a running `dita run` (on a separate bingx-sim process), as a new user would:
enter, status, halt (the next ENTER gets KERNEL_HALTED, exit 1), metrics show the trade,
kill -9 and restart show the same snapshot, SIGTERM exits 0, and an unreachable service exits 3.
Standard library only."""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def fail(message):
    print("FAIL:", message, flush=True)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dita", required=True)
    parser.add_argument("--sim", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="dita-ctl-")
    sim = dita = None
    try:
        sim = subprocess.Popen([args.sim, "--port", "0"], stdout=subprocess.PIPE, text=True)
        sim_port = int(re.search(r":(\d+)", sim.stdout.readline()).group(1))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        config = os.path.join(work, "dita.toml")
        with open(config, "w") as f:
            f.write(f'[venue]\nkind = "bingx-sim"\nrest_url = "http://127.0.0.1:{sim_port}"\n'
                    f'[journal]\npath = "journal.sqlite"\n[api]\nport = {port}\n[log]\nfile = "dita.log"\n')

        def start():
            proc = subprocess.Popen([args.dita, "run", "--config", config], stdout=subprocess.DEVNULL)
            for _ in range(300):
                if ctl("status", expect=None)[0] == 0 and ctl("status")[1]["service"]["ready"]:
                    return proc
                time.sleep(0.05)
            fail("dita run did not become ready")

        def ctl(*words, expect=0):
            done = subprocess.run([args.dita, "ctl", "--url", url, "--timeout-s", "5", *words],
                                  capture_output=True, text=True, timeout=30)
            if expect is not None and done.returncode != expect:
                fail(f"dita ctl {' '.join(words)}: exit {done.returncode}, expected {expect}: {done.stdout}{done.stderr}")
            try:
                return done.returncode, json.loads(done.stdout)
            except ValueError:
                return done.returncode, None

        dita = start()
        _, entered = ctl("intent", "enter", "--slot", "0", "--size", "0.01", "--price", "50000", "--id", "ctl-1")
        if entered["outcome"]["diagnostic_code"] != "OK":
            fail(f"enter: {entered}")
        _, again = ctl("intent", "enter", "--slot", "0", "--size", "0.01", "--price", "50000", "--id", "ctl-1")
        if not again["replayed"] or again["outcome"] != entered["outcome"]:
            fail(f"a retried intent got a new outcome: {again}")
        _, status = ctl("status")
        if status["slots"][0]["fsm_state"] != "POSITION_OPEN" or status["slots"][0]["size"] != 0.01:
            fail(f"status does not show the trade: {status['slots'][0]}")
        metrics = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
        for line in ('dita_intents_total{code="OK"} 1', 'dita_slots{stage="POSITION_OPEN"} 1'):
            if line not in metrics:
                fail(f"/metrics lacks {line}")
        if "<table id=\"slots\"" not in urllib.request.urlopen(url + "/", timeout=5).read().decode():
            fail("the web page has no slots table")
        ctl("halt")
        _, refused = ctl("intent", "enter", "--slot", "1", "--size", "0.01", "--price", "50000", expect=1)
        if refused["outcome"]["diagnostic_code"] != "KERNEL_HALTED":
            fail(f"ENTER after halt: {refused}")
        ctl("intent", "bogus", expect=2)

        before = ctl("status")[1]
        dita.send_signal(signal.SIGKILL)
        dita.wait()
        dita = start()
        after = ctl("status")[1]
        for key in ("account", "slots"):
            if before[key] != after[key]:
                fail(f"kill -9 and restart changed the {key}: {before[key]} -> {after[key]}")
        if after["service"]["mode"] != "HALTED":
            fail("the HALT did not survive the restart")
        ctl("reduce-only")
        _, exited = ctl("intent", "exit", "--slot", "0", "--price", "50100")
        if exited["outcome"]["diagnostic_code"] != "OK":
            fail(f"exit in REDUCE_ONLY: {exited}")
        ctl("normal")
        _, flat = ctl("flatten")
        if flat["mode"] != "REDUCE_ONLY":
            fail(f"flatten: {flat}")

        dita.send_signal(signal.SIGTERM)
        if dita.wait(timeout=20) != 0:
            fail(f"SIGTERM: exit {dita.returncode}")
        code, _ = ctl("status", expect=3)
        print("ctl test: enter, retry, status, metrics, halt, kill -9 + restart (same snapshot), reduce-only exit, "
              "flatten, SIGTERM exit 0, unreachable exit 3: passed", flush=True)
    finally:
        for proc in (dita, sim):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
