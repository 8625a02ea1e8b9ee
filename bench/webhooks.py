#!/usr/bin/env python3
"""The bench's side of webhooks and the change feed.

  webhooks.py receive PORT COUNT OUT   answers 200 to COUNT webhook POSTs, then
                                       writes "rate p50_ms p99_ms" to OUT: deliveries
                                       per second (first to last) and the delay from
                                       each event's occurred_at to its arrival
  webhooks.py follow BASE TOKEN CURSOR COUNT
                                       reads the change feed from CURSOR, 500 a page,
                                       until COUNT events came; prints events/s
"""
import datetime
import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(len(values) * q + 0.999999) - 1))]


def receive(port, count, out):
    arrivals, delays, lock, done = [], [], threading.Lock(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            now = time.time()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            event = json.loads(body)
            if event.get("type") == "webhook.ping":
                return
            occurred = datetime.datetime.fromisoformat(event["occurred_at"]).timestamp()
            with lock:
                arrivals.append(now)
                delays.append((now - occurred) * 1000)
                if len(arrivals) >= count:
                    done.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    done.wait(600)
    server.shutdown()
    with lock:
        span = max(arrivals[-1] - arrivals[0], 1e-6) if len(arrivals) > 1 else 1
        with open(out + ".raw", "w") as f:  # arrival time, delay in ms
            f.writelines(f"{a:.6f} {d:.3f}\n" for a, d in zip(arrivals, delays))
        with open(out, "w") as f:
            f.write(f"{len(arrivals) / span:.0f} {percentile(delays, 0.5):.3f} "
                    f"{percentile(delays, 0.99):.3f} {count - len(arrivals)}\n")


def follow(base, token, cursor, count):
    seen, start = 0, time.time()
    while seen < count:
        request = urllib.request.Request(
            f"{base}/api/v2/changes?limit=500&cursor={cursor}",
            headers={"Authorization": f"Bearer {token}"})
        page = json.load(urllib.request.urlopen(request))
        seen += len(page["results"])
        cursor = page["next_cursor"]
        if not page["results"] and time.time() - start > 120:
            break
    print(f"{seen / (time.time() - start):.0f}")


if __name__ == "__main__":
    if sys.argv[1] == "receive":
        receive(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        follow(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
