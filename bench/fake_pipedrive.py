#!/usr/bin/env python3
"""A fake Pipedrive for bench/run's deals_sync scenario.

  fake_pipedrive.py PORT DEALS [TOKEN]

Listens on 127.0.0.1:PORT (ThreadingHTTPServer, HTTP/1.1 keep-alive), in
memory, and answers in Pipedrive's wire format (every answer with
x-ratelimit-limit: 80, x-ratelimit-remaining: 79, x-ratelimit-reset: 2; a
request whose x-api-token header is not TOKEN, "bench-token" by default,
gets Pipedrive's 401 envelope):

  GET /v1/users                 20 users, v1 envelope {success, data,
                                additional_data: {pagination: {start, limit,
                                more_items_in_collection, next_start}}};
                                start/limit page it
  GET /api/v2/pipelines         3 pipelines            } v2 envelope
  GET /api/v2/stages            5 stages each (15)     } {success: true, data,
  GET /api/v2/organizations     DEALS / 20             }  additional_data:
  GET /api/v2/persons           DEALS / 10             }  {next_cursor}}
  GET /api/v2/deals             DEALS deals            }
  GET /api/v2/deals/archived    none (an empty list)
  GET /v1/notes                 DEALS / 20 notes on deals, v1 envelope,
                                start/limit, updated_since, sorted by update_time
  POST /bench/touch?n=N         sets the update_time of N deals (spread over
                                the ids) to now: the next incremental sync
                                fetches exactly those; answers {"touched": N,
                                "update_time": ...}
  GET /bench/stats              the requests served, by path
  anything else                 404 (Pipedrive's error envelope)

v2 lists take limit (at most 500, else 400 as Pipedrive), cursor (the
previous page's next_cursor), sort_by (id, update_time or add_time; default
id), sort_direction (asc or desc), updated_since and updated_until (RFC 3339;
since inclusive, until exclusive), pipeline_id (stages), and for deals status
(a comma list of open, won, lost, deleted; none: every deal not deleted;
there are no deleted deals). Other parameters are accepted and ignored.

Objects are generated from their id; the deals' JSON is rendered once at
start (and again for the deals a touch changes, before the sync it is for),
the other objects' when a page is asked for, so that a page of 500 deals
costs the fake about a millisecond. The initial update times are all at least
two days old, one minute apart (the newest deal is the last id); a touch
makes them now. Prints "listening" on stdout once it accepts connections,
and on SIGTERM exits 0 after writing the requests it served to stderr.
"""
import base64
import bisect
import json
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

USERS = 20
PIPELINES = 3
STAGES_PER_PIPELINE = 5
CURRENCIES = ("USD", "USD", "USD", "EUR", "EUR", "GBP")
LOST_REASONS = ("Price", "Timing", "Competitor", "No budget")


def rfc3339(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_time(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_time(text):
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = datetime.fromisoformat(text)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def encode(item):
    return json.dumps(item, separators=(",", ":")).encode()


def deal_status(i):
    """60% open, 25% won, 15% lost."""
    r = i % 20
    return "open" if r < 12 else ("won" if r < 17 else "lost")


class BadRequest(Exception):
    pass


class Store:
    def __init__(self, deals):
        self.lock = threading.Lock()
        self.n = deals
        self.t0 = int(time.time()) - 2 * 86400  # the newest initial update_time
        self.created = self.t0 - 400 * 86400
        # update_time of deal i (1-based) at index i; one minute apart.
        self.deal_update = [0] + [self.t0 - (deals - i) * 60 for i in range(1, deals + 1)]
        self.by_update = None  # sorted (update_time, id), rebuilt after a touch
        self.orgs = max(1, deals // 20)
        self.persons = max(1, deals // 10)
        self.notes = max(1, deals // 20)
        # Each deal's JSON, rendered at start and again when touched (outside
        # the syncs measured), so that a page is a join of bytes.
        self.rendered = [b""] + [encode(self.deal(i, self.deal_update[i])) for i in range(1, deals + 1)]

    def sorted_by_update(self):
        with self.lock:
            if self.by_update is None:
                self.by_update = sorted((u, i) for i, u in enumerate(self.deal_update) if i > 0)
            return self.by_update

    def touch(self, n):
        n = max(0, min(n, self.n))
        now = int(time.time())
        with self.lock:
            if n:
                step = self.n / n
                for k in range(n):
                    i = 1 + int(k * step)
                    self.deal_update[i] = now
                    self.rendered[i] = encode(self.deal(i, now))
            self.by_update = None
        return n, now

    # ---- objects, from their id

    def user(self, i):
        return {"id": i, "name": f"Pipedrive Owner {i}", "email": f"pd-owner-{i}@example.com",
                "active_flag": True, "is_admin": 0, "role_id": 1, "timezone_name": "Europe/Berlin",
                "created": v1_time(self.created), "modified": v1_time(self.created)}

    def pipeline(self, i):
        return {"id": i, "name": f"PD Pipeline {i}", "order_nr": i,
                "is_deal_probability_enabled": i != 3, "is_deleted": False,
                "add_time": rfc3339(self.created), "update_time": rfc3339(self.created)}

    def stage(self, i):
        p = (i - 1) // STAGES_PER_PIPELINE + 1
        k = (i - 1) % STAGES_PER_PIPELINE + 1
        rot = k in (2, 3)
        return {"id": i, "pipeline_id": p, "name": f"PD Stage {p}.{k}", "order_nr": k,
                "deal_probability": (10, 25, 50, 75, 90)[k - 1],
                "is_deal_rot_enabled": rot, "days_to_rotten": (14 if k == 2 else 30) if rot else None,
                "is_deleted": False, "add_time": rfc3339(self.created),
                "update_time": rfc3339(self.created)}

    def org_time(self, i):
        return self.created + i * 60

    def organization(self, i):
        t = self.org_time(i)
        return {"id": i, "name": f"PD Org {i}", "owner_id": 1 + i % USERS, "visible_to": 3,
                "address": None, "label_ids": [], "is_deleted": False,
                "add_time": rfc3339(t), "update_time": rfc3339(t), "custom_fields": {}}

    def person_time(self, i):
        return self.created + i * 30

    def person(self, i):
        t = self.person_time(i)
        return {"id": i, "name": f"PD Person {i}", "first_name": "PD", "last_name": f"Person {i}",
                "owner_id": 1 + i % USERS, "org_id": 1 + i % self.orgs, "visible_to": 3,
                "emails": [{"value": f"pd-person-{i}@example.com", "primary": True, "label": "work"}],
                "phones": [{"value": f"+1555{i:07d}", "primary": True, "label": "work"}],
                "label_ids": [], "is_deleted": False,
                "add_time": rfc3339(t), "update_time": rfc3339(t), "custom_fields": {}}

    def deal(self, i, update_time):
        p = 1 + i % PIPELINES
        stage = (p - 1) * STAGES_PER_PIPELINE + 1 + (i // PIPELINES) % STAGES_PER_PIPELINE
        status = deal_status(i)
        add = self.created + (i * 37) % (380 * 86400)
        add = min(add, update_time)
        closed = rfc3339(update_time) if status != "open" else None
        close_day = datetime.fromtimestamp(self.t0 + ((i * 7919) % 540 - 180) * 86400, timezone.utc)
        return {"id": i, "title": f"PD Deal {i}", "owner_id": 1 + i % USERS,
                "person_id": 1 + i % self.persons, "org_id": 1 + i % self.orgs,
                "pipeline_id": p, "stage_id": stage,
                "value": round(500 + (i * 104729) % 250000 + (i % 100) / 100, 2),
                "currency": CURRENCIES[i % len(CURRENCIES)],
                "add_time": rfc3339(add), "update_time": rfc3339(update_time),
                "stage_change_time": rfc3339(add + (update_time - add) // 2),
                "is_deleted": False, "is_archived": False, "archive_time": None,
                "status": status, "probability": None if i % 5 else 10 + (i * 7) % 81,
                "lost_reason": LOST_REASONS[i % 4] if status == "lost" else None,
                "visible_to": 3, "close_time": closed,
                "won_time": closed if status == "won" else None,
                "lost_time": closed if status == "lost" else None,
                "expected_close_date": None if i % 10 == 0 else close_day.strftime("%Y-%m-%d"),
                "label_ids": [], "origin": "ManuallyCreated", "origin_id": None, "channel": None,
                "channel_id": None, "custom_fields": {}}

    def note_time(self, i):
        return self.created + i * 120

    def note(self, i):
        t = self.note_time(i)
        return {"id": i, "content": f"<p>Call notes {i}: <b>next step</b> &amp; pricing</p>",
                "deal_id": 1 + (i * 13) % self.n, "person_id": None, "org_id": None,
                "user_id": 1 + i % USERS, "add_time": v1_time(t), "update_time": v1_time(t),
                "active_flag": True, "pinned_to_deal_flag": False}


def encode_cursor(key):
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(text):
    try:
        return tuple(json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))
    except ValueError as e:
        raise BadRequest("Validation failed: cursor: Invalid cursor") from e


def param_int(query, name, default):
    if name not in query:
        return default
    try:
        return int(query[name])
    except ValueError as e:
        raise BadRequest(f"Validation failed: {name}: Expected number, received string") from e


def v2_page(keys, make, query, time_of=None, by_time=False):
    """One v2 cursor page over keys: a list of (sort value, id) sorted ascending
    (by sort value, then id), the sort value the item's update_time (epoch
    seconds) when by_time, else its id. make(id, sort value) builds an item;
    time_of(key) is its update_time, for the updated_since/until filters."""
    limit = param_int(query, "limit", 100)
    if limit < 1 or limit > 500:
        raise BadRequest("Validation failed: limit: Number must be less than or equal to 500")
    direction = query.get("sort_direction", "asc")
    if direction not in ("asc", "desc"):
        raise BadRequest("Validation failed: sort_direction: Invalid enum value")
    try:
        since = parse_time(query["updated_since"]) if query.get("updated_since") else None
        until = parse_time(query["updated_until"]) if query.get("updated_until") else None
    except ValueError as e:
        raise BadRequest("Validation failed: updated_since: Invalid datetime") from e
    lo, hi = 0, len(keys)
    if by_time:  # the filters are a range of keys
        if since is not None:
            lo = bisect.bisect_left(keys, (since, -1))
        if until is not None:
            hi = bisect.bisect_left(keys, (until, -1))
        since = until = None
    cursor = query.get("cursor")
    after = decode_cursor(cursor) if cursor else None
    if direction == "asc":
        if after is not None:
            lo = max(lo, bisect.bisect_right(keys, after))
        rng = range(lo, hi)
    else:
        if after is not None:
            hi = min(hi, bisect.bisect_left(keys, after))
        rng = range(hi - 1, lo - 1, -1)
    items, last, more = [], None, False
    for k in rng:
        key = keys[k]
        if since is not None or until is not None:
            t = time_of(key)
            if (since is not None and t < since) or (until is not None and t >= until):
                continue
        if len(items) == limit:
            more = True
            break
        items.append(make(key[1], key[0]))
        last = key
    return items, (encode_cursor(list(last)) if more else None)


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    token = sys.argv[3] if len(sys.argv) > 3 else "bench-token"
    store = Store(n)
    served = {}
    lock = threading.Lock()
    rate_headers = (("x-ratelimit-limit", "80"), ("x-ratelimit-remaining", "79"),
                    ("x-ratelimit-reset", "2"))

    def count(path):
        with lock:
            served[path] = served.get(path, 0) + 1

    def listing(ids, time_of, make, query):
        """A v2 page of objects whose update_time is time_of(id)."""
        by_time = query.get("sort_by", "id") != "id"  # update_time (add_time: the same here)
        keys = sorted((time_of(i), i) for i in ids) if by_time else [(i, i) for i in ids]
        return v2_page(keys, lambda i, _: encode(make(i)), query, lambda key: time_of(key[1]), by_time)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Pipedrive

        def answer(self, status, body):
            self.raw(status, encode(body))

        def raw(self, status, data):
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in rate_headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def error(self, status, error, info="Please check developers.pipedrive.com", code=None):
            body = {"success": False, "error": error, "errorCode": status, "error_info": info,
                    "data": None, "additional_data": None}
            if code:
                body["code"] = code
            self.answer(status, body)

        def drain(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)

        def v2(self, items, next_cursor):
            """items: each one's JSON (bytes)."""
            data = (b'{"success":true,"data":[' + b",".join(items) + b'],"additional_data":'
                    + encode({"next_cursor": next_cursor}) + b"}")
            self.raw(200, data)

        def v1(self, data, start, limit, more):
            pagination = {"start": start, "limit": limit, "more_items_in_collection": more}
            if more:
                pagination["next_start"] = start + limit
            self.answer(200, {"success": True, "data": data,
                              "additional_data": {"pagination": pagination}})

        def do_POST(self):
            self.drain()
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            count("POST " + url.path)
            if url.path == "/bench/touch":
                touched, at = store.touch(int(query.get("n", "0")))
                return self.answer(200, {"touched": touched, "update_time": rfc3339(at)})
            self.error(404, "Unknown method")

        def do_GET(self):
            self.drain()
            url = urlsplit(self.path)
            path = url.path
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            count("GET " + path)
            if path == "/bench/stats":
                with lock:
                    return self.answer(200, dict(served))
            if self.headers.get("x-api-token") != token:
                return self.error(401, "unauthorized access", "Please check developers.pipedrive.com",
                                  "unauthorized")
            try:
                self.route(path, query)
            except BadRequest as e:
                self.error(400, str(e), "Validation failed", "ERR_SCHEMA_VALIDATION_FAILED")

        def route(self, path, query):
            sort_by = query.get("sort_by", "id")
            if sort_by not in ("id", "update_time", "add_time"):
                raise BadRequest("Validation failed: sort_by: Invalid enum value")
            if path == "/v1/users":
                start, limit = param_int(query, "start", 0), param_int(query, "limit", 500)
                ids = list(range(1, USERS + 1))[start:start + limit]
                return self.v1([store.user(i) for i in ids], start, limit, start + limit < USERS)
            if path == "/v1/notes":
                start, limit = param_int(query, "start", 0), param_int(query, "limit", 100)
                if limit < 1 or limit > 500:
                    raise BadRequest("Validation failed: limit: Number must be less than or equal to 500")
                first = 1
                if query.get("updated_since"):
                    since = parse_time(query["updated_since"])
                    # note_time(i) = created + 120 i, increasing with i
                    first = max(1, int(-(-(since - store.created) // 120)))
                ids = list(range(first, store.notes + 1))
                page = ids[start:start + limit]
                return self.v1([store.note(i) for i in page], start, limit, start + limit < len(ids))
            if path == "/api/v2/pipelines":
                return self.v2(*listing(range(1, PIPELINES + 1), lambda i: store.created,
                                        store.pipeline, query))
            if path == "/api/v2/stages":
                ids = range(1, PIPELINES * STAGES_PER_PIPELINE + 1)
                if "pipeline_id" in query:
                    p = param_int(query, "pipeline_id", 0)
                    ids = [i for i in ids if (i - 1) // STAGES_PER_PIPELINE + 1 == p]
                return self.v2(*listing(ids, lambda i: store.created, store.stage, query))
            if path == "/api/v2/organizations":
                return self.v2(*listing(range(1, store.orgs + 1), store.org_time,
                                        store.organization, query))
            if path == "/api/v2/persons":
                return self.v2(*listing(range(1, store.persons + 1), store.person_time,
                                        store.person, query))
            if path == "/api/v2/deals" or path == "/api/v2/deals/archived":
                statuses = set(filter(None, query.get("status", "open,won,lost").split(",")))
                if statuses - {"open", "won", "lost", "deleted"}:
                    raise BadRequest("Validation failed: status: Invalid enum value")
                if path.endswith("/archived") or not statuses & {"open", "won", "lost"}:
                    return self.v2([], None)  # no archived deals, no deleted ones
                by_time = sort_by != "id"
                if by_time:  # update_time (add_time sorts as update_time here)
                    keys = store.sorted_by_update()
                else:
                    keys = [(i, i) for i in range(1, n + 1)]
                if not statuses >= {"open", "won", "lost"}:
                    keys = [k for k in keys if deal_status(k[1]) in statuses]
                items, cursor = v2_page(keys, lambda i, _: store.rendered[i], query,
                                        lambda key: store.deal_update[key[1]], by_time)
                return self.v2(items, cursor)
            self.error(404, "Unknown method")

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
    print(f"fake_pipedrive: served {served}", file=sys.stderr)


if __name__ == "__main__":
    main()
