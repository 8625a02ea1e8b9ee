#!/usr/bin/env python3
"""A fake Google Calendar for bench/run's calendar_sync scenario.

  fake_google_calendar.py PORT EVENTS [PAGE_SIZE]

Listens on 127.0.0.1:PORT (ThreadingHTTPServer, HTTP/1.1 keep-alive) and answers:

  POST /token                                   {"access_token":"t","expires_in":3600,...}
  GET  /calendar/v3/calendars/{id}/events       EVENTS pre-built events, paged:
       maxResults (crmd sends 250; PAGE_SIZE by default), pageToken, timeMin,
       showDeleted, singleEvents (accepted, not filtered on); nextPageToken on
       every page but the last, nextSyncToken on the last. A syncToken gets an
       empty last page (nothing changed).
  POST /calendar/v3/calendars/{id}/events/watch a channel (crmd asks only with a public URL)
  anything else                                 404

The events (the same for any calendar id) are built once at start, and each
page's JSON body too, so that the fake costs as little as possible during the
measurement: the id is the only thing that differs between calendars, and it
is not in the events. Each event: id, status confirmed, summary, start/end
dateTime (30-120 minutes, within the next 60 days), two attendees, the
organizer's e-mail, htmlLink, updated. Prints "listening" on stdout once it
accepts connections, and on SIGTERM exits 0 after writing the requests it
served to stderr.
"""
import json
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PREFIX = "/calendar/v3/calendars/"


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_events(n):
    base = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    updated = rfc3339(datetime.now(timezone.utc) - timedelta(days=1))
    events = []
    for i in range(n):
        start = base + timedelta(minutes=15 * ((i * 7919) % (60 * 96)))  # the next 60 days
        end = start + timedelta(minutes=30 + 15 * (i % 7))
        events.append({
            "kind": "calendar#event",
            "id": f"benchevt{i:07d}",
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid=benchevt{i:07d}",
            "created": updated,
            "updated": updated,
            "summary": f"Bench sync event {i}",
            "organizer": {"email": "organizer@example.com"},
            "start": {"dateTime": rfc3339(start), "timeZone": "UTC"},
            "end": {"dateTime": rfc3339(end), "timeZone": "UTC"},
            "attendees": [
                {"email": f"guest{i % 5000}@example.com", "responseStatus": "accepted"},
                {"email": f"partner{i % 3000}@example.org", "responseStatus": "needsAction"},
            ],
            "iCalUID": f"benchevt{i:07d}@google.com",
            "sequence": 0,
            "eventType": "default",
        })
    return events


class Pages:
    """The JSON bodies of every page for one page size, built on first use."""

    def __init__(self, events):
        self.events = events
        self.by_size = {}
        self.lock = threading.Lock()

    def get(self, size):
        with self.lock:
            pages = self.by_size.get(size)
            if pages is None:
                pages = []
                count = max(1, (len(self.events) + size - 1) // size)
                for p in range(count):
                    page = {"kind": "calendar#events", "summary": "bench", "timeZone": "UTC",
                            "updated": rfc3339(datetime.now(timezone.utc)),
                            "items": self.events[p * size:(p + 1) * size]}
                    if p + 1 < count:
                        page["nextPageToken"] = f"page-{size}-{p + 1}"
                    else:
                        page["nextSyncToken"] = f"sync-{len(self.events)}"
                    pages.append(json.dumps(page, separators=(",", ":")).encode())
                self.by_size[size] = pages
            return pages


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    default_size = int(sys.argv[3]) if len(sys.argv) > 3 else 250
    pages = Pages(build_events(n))
    pages.get(250)  # crmd's page size, ready before the first request
    served = {"token": 0, "pages": 0, "watch": 0, "other": 0}
    lock = threading.Lock()
    empty = json.dumps({"kind": "calendar#events", "items": [],
                        "nextSyncToken": f"sync-{n}"}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Google

        def answer(self, status, body, kind="other"):
            with lock:
                served[kind] += 1
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def drain(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)

        def not_found(self):
            self.answer(404, json.dumps({"error": {"code": 404, "message": "Not Found",
                                                   "errors": [{"reason": "notFound"}]}}).encode())

        def do_POST(self):
            self.drain()
            path = urlsplit(self.path).path
            if path == "/token":
                self.answer(200, b'{"access_token":"t","expires_in":3600,"token_type":"Bearer"}',
                            "token")
            elif path.startswith(PREFIX) and path.endswith("/events/watch"):
                self.answer(200, json.dumps({
                    "kind": "api#channel", "id": "bench-channel", "resourceId": "bench-resource",
                    "resourceUri": "https://example.com/resource",
                    "expiration": str(int((time.time() + 7 * 86400) * 1000))}).encode(), "watch")
            else:
                self.not_found()

        def do_GET(self):
            url = urlsplit(self.path)
            if not (url.path.startswith(PREFIX) and url.path.endswith("/events")
                    and url.path.count("/") == 5):
                self.drain()
                return self.not_found()
            query = parse_qs(url.query)
            if "syncToken" in query:
                return self.answer(200, empty, "pages")
            size = int(query.get("maxResults", [default_size])[0])
            size = max(1, min(size, 2500))
            all_pages = pages.get(size)
            token = query.get("pageToken", [None])[0]
            index = 0
            if token:
                try:
                    _, token_size, at = token.split("-")
                    assert int(token_size) == size
                    index = int(at)
                    assert 0 <= index < len(all_pages)
                except (ValueError, AssertionError):
                    return self.answer(400, json.dumps({"error": {
                        "code": 400, "message": "Invalid page token",
                        "errors": [{"reason": "invalid"}]}}).encode())
            self.answer(200, all_pages[index], "pages")

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.request_queue_size = 64
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening", flush=True)
    server.serve_forever()
    print(f"fake_google_calendar: served {served}", file=sys.stderr)


if __name__ == "__main__":
    main()
