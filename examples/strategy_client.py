#!/usr/bin/env python3
"""A small strategy client for `dita run` (Python standard library only).

It follows the marks in the snapshot, enters slot 0 when the price is below its moving average,
exits when above, and retries every unanswered intent with the same intent_id: the service answers
a retry with the first outcome, so a lost answer never becomes a second order.

    python3 examples/strategy_client.py --url http://127.0.0.1:8080 --rounds 20
    DITA_API_TOKEN=... python3 examples/strategy_client.py --url https://dita.internal:8080
"""
import argparse
import json
import os
import time
import urllib.error
import urllib.request
import uuid


class Dita:
    def __init__(self, url, token=None, timeout=10.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read() or b"{}")

    def snapshot(self):
        return self.call("GET", "/v1/snapshot")

    def intent(self, body, attempts=30):
        """Sends until answered; the same intent_id every time."""
        for attempt in range(attempts):
            try:
                answer = self.call("POST", "/v1/intents", body)
                if "outcome" in answer:
                    return answer
                if answer.get("error", {}).get("code") != "NOT_READY":
                    raise RuntimeError(answer)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(min(0.1 * 2 ** attempt, 5.0))
        raise RuntimeError(f"intent {body['intent_id']} unanswered after {attempts} attempts")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("DITA_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--asset", default="BTCUSDT")
    parser.add_argument("--size", type=float, default=0.001)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--interval-s", type=float, default=1.0)
    parser.add_argument("--window", type=int, default=5)
    args = parser.parse_args()
    dita = Dita(args.url, os.environ.get("DITA_API_TOKEN"))

    prices = []
    for _ in range(args.rounds):
        snap = dita.snapshot()
        mark = snap["service"]["marks"].get(args.asset)
        slot = snap["slots"][0]
        if mark is None:
            time.sleep(args.interval_s)
            continue
        prices = (prices + [mark])[-args.window:]
        average = sum(prices) / len(prices)
        body = None
        if slot["fsm_state"] in ("IDLE", "TRADE_TERMINAL_WRITTEN", "ORDER_REJECTED") and mark <= average:
            intent_id = "strat-" + uuid.uuid4().hex[:16]
            body = {"intent_id": intent_id, "trade_id": intent_id, "slot_id": 0, "asset": args.asset,
                    "side": "LONG", "action": "ENTER", "target_size": args.size, "reference_price": mark,
                    "leverage": 2.0, "reason": f"mark {mark} <= average {average:.2f}"}
        elif slot["fsm_state"] == "POSITION_OPEN" and mark > average:
            body = {"intent_id": "strat-" + uuid.uuid4().hex[:16], "slot_id": 0, "action": "EXIT",
                    "reference_price": mark, "reason": f"mark {mark} > average {average:.2f}"}
        if body:
            answer = dita.intent(body)
            outcome = answer["outcome"]
            print(f"{body['action']:5} {body['intent_id']}: {outcome['diagnostic_code']} {outcome['details']}")
        time.sleep(args.interval_s)
    account = dita.snapshot()["account"]
    print("account:", json.dumps(account))


if __name__ == "__main__":
    main()
