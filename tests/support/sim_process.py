"""The BingX simulator as a separate process, for the kill -9 campaigns (standard library only).

Both campaigns (tests/kernel/journal_kill_campaign.py, tests/service/kill_campaign.py) keep one
bingx-sim alive across their kills, ask it for positions and orders by signed REST, and end by
stopping it and reading its report (duplicate client order ids must be 0).
"""
import hashlib
import hmac
import http.client
import json
import re
import signal
import subprocess
import sys
import time

SIM_KEY, SIM_SECRET = "dita-sim-key", "dita-sim-secret"


def fail(message):
    print("FAIL:", message, flush=True)
    sys.exit(1)


def start_sim(sim_path):
    """bingx-sim on a free loopback port: (process, port)."""
    sim = subprocess.Popen([sim_path, "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline()
    match = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not match:
        sim.kill()
        fail(f"bingx-sim did not print its port: {line!r}")
    sim.stdout.readline()  # rest_url=... ws_url=...
    return sim, int(match.group(1))


def sim_get(sim_port, path, params):
    """A signed GET, as the adapter sends it."""
    params = dict(params, timestamp=str(int(time.time() * 1000)))
    query = "&".join(f"{k}={v}" for k, v in params.items())
    signature = hmac.new(SIM_SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", sim_port, timeout=5)
    try:
        conn.request("GET", f"{path}?{query}&signature={signature}", headers={"X-BX-APIKEY": SIM_KEY})
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def venue_positions(sim_port):
    """The venue's BTC-USDT positions by side (sizes, unsigned)."""
    answer = sim_get(sim_port, "/openApi/swap/v2/user/positions", {"symbol": "BTC-USDT"})
    net = {"LONG": 0.0, "SHORT": 0.0}
    for p in answer.get("data") or []:
        net[p["positionSide"]] += abs(float(p["positionAmt"]))
    return net


def stop_sim(sim):
    """SIGTERM, then the simulator's final report; fails when a client order id reached it twice."""
    sim.send_signal(signal.SIGTERM)
    report = json.loads(sim.stdout.read().strip().splitlines()[-1])
    if report.get("duplicate_client_ids", -1) != 0:
        fail(f"a client order id reached the venue twice: {report}")
    return report
