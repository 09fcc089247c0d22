#!/usr/bin/env python3
"""The demo's client half: talks to a running `btrouter serve` over its REST API only.

Uploads the sample datasets, submits the strategy catalogue on each through POST /v1/backtests,
follows them with long-polls, and prints a table of canonical metrics read back from
GET /v1/backtests/{id}/result.

usage: demo_api.py URL API_KEY SHARED_DATA_DIR
"""
import json
import sys
import urllib.error
import urllib.request


def call(url, key, method="GET", body=None, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + key)
    req.add_header("Connection", "keep-alive")
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        problem = json.loads(e.read() or b"{}")
        sys.exit(f"demo: {method} {url} -> {e.code}: {problem.get('detail')}")


def main():
    base, key, shared = sys.argv[1], sys.argv[2], sys.argv[3]
    datasets = {}
    for name, file in (("goog", "GOOG.csv"), ("eurusd", "EURUSD.csv")):
        with open(f"{shared}/data/{file}", "rb") as f:
            d = call(f"{base}/v1/datasets?name={name}", key, "POST", f.read(), "text/csv")
        datasets[name] = d
        print(f"uploaded {file}: id {d['id']}, {d['bars']} bars, sha256 {d['sha256'][:16]}...")
    strategies = [s["name"] for s in call(f"{base}/v1/strategies", key)["items"]]
    jobs = []
    for name, d in datasets.items():
        for strategy in strategies:
            spec = {"engine": "native", "strategy": {"name": strategy}, "dataset": d["id"],
                    "cash": 10000, "commission": 0.001}
            job = call(f"{base}/v1/backtests", key, "POST", spec)
            jobs.append((name, strategy, job["id"]))
    print(f"submitted {len(jobs)} backtests through POST /v1/backtests\n")
    header = f"{'data':8} {'strategy':20} {'trades':>6} {'return':>9} {'sharpe':>7} {'max_dd':>8} {'win_rate':>8}  job"
    print(header)
    print("-" * len(header))
    pct = lambda v: "-" if v is None else f"{100 * v:.2f}%"
    for name, strategy, job_id in jobs:
        while True:
            job = call(f"{base}/v1/backtests/{job_id}?wait=10", key)
            if job["status"] not in ("queued", "running"):
                break
        if job["status"] != "succeeded":
            print(f"{name:8} {strategy:20} {job['status']}: {job.get('error', {}).get('message')}")
            continue
        m = call(f"{base}/v1/backtests/{job_id}/result", key)["metrics"]
        sharpe = m["sharpe_ratio"]
        print(f"{name:8} {strategy:20} {int(m['num_trades']):>6} {pct(m['total_return']):>9} "
              f"{'-' if sharpe is None else format(sharpe, '.2f'):>7} {pct(m['max_drawdown']):>8} "
              f"{pct(m['win_rate']):>8}  {job_id}")


if __name__ == "__main__":
    main()
