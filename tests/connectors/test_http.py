import logging
import threading

import pytest
import requests
import responses

from connectors.base import AuthError, ConnectorError, NotFound, RateLimited, TransientError
from connectors.http import ApiClient, Pacer, check_url, endpoint_of, parse_reset

BASE = "https://api.example.test"
TOKEN = "s3cret-token-value"


def client(clock, **kw):
    pacer = kw.pop("pacer", None) or Pacer(clock=clock, sleep=clock.sleep, max_wait=kw.pop("max_wait", 900))
    return ApiClient("x", BASE, token=TOKEN, credential_key="env:X_TOKEN", pacer=pacer, backoff_factor=0, **kw)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://localhost:3000", "http://[::1]:9/", "https://x.test"])
def test_loopback_http_and_https_allowed(url):
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["http://api.example.test/", "http://10.0.0.1/", "ftp://127.0.0.1/", "/relative"])
def test_other_urls_refused(url):
    with pytest.raises(ConnectorError, match="only https"):
        check_url(url)


@responses.activate
def test_absolute_url_from_a_page_is_checked_too(clock):
    c = client(clock)
    with pytest.raises(ConnectorError, match="only https"):
        c.get_json("http://evil.example/next")
    assert len(responses.calls) == 0


@responses.activate
def test_bearer_token_sent_and_json_returned(clock):
    responses.get(f"{BASE}/2/users/1/tweets", json={"data": []})
    c = client(clock)
    data, resp = c.get_json("/2/users/1/tweets", params={"max_results": 5})
    assert data == {"data": []}
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "max_results=5" in responses.calls[0].request.url
    assert c.calls == 1


@responses.activate
def test_5xx_retried_then_succeeds(clock):
    responses.get(f"{BASE}/a", status=503)
    responses.get(f"{BASE}/a", status=500)
    responses.get(f"{BASE}/a", json={"ok": 1})
    data, _ = client(clock).get_json("/a")
    assert data == {"ok": 1}
    assert len(responses.calls) == 3


@responses.activate
def test_5xx_that_outlives_retries_is_transient(clock):
    responses.get(f"{BASE}/a", status=502, json={"detail": "bad gateway"})
    with pytest.raises(TransientError, match="502"):
        client(clock, retries=2).get_json("/a")
    assert len(responses.calls) == 3  # first try + 2 retries


@responses.activate
def test_429_is_not_retried_by_urllib3_but_waited_out_by_the_pacer(clock):
    reset = clock.now + 30
    responses.get(f"{BASE}/a", status=429, headers={"x-rate-limit-limit": "50", "x-rate-limit-remaining": "0",
                                                    "x-rate-limit-reset": str(int(reset))})
    responses.get(f"{BASE}/a", json={"ok": 1}, headers={"x-rate-limit-limit": "50", "x-rate-limit-remaining": "49",
                                                        "x-rate-limit-reset": str(int(reset + 900))})
    data, _ = client(clock).get_json("/a")
    assert data == {"ok": 1}
    assert len(responses.calls) == 2
    assert clock.now >= reset  # it slept until the reset (fake clock)


@responses.activate
def test_429_with_reset_beyond_max_wait_raises_rate_limited(clock):
    reset = int(clock.now + 3600)
    responses.get(f"{BASE}/a", status=429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
    with pytest.raises(RateLimited) as info:
        client(clock, max_wait=600).get_json("/a")
    assert info.value.reset_at == reset
    assert len(responses.calls) == 1
    assert clock.sleeps == []


@responses.activate
def test_429_with_retry_after_only(clock):
    responses.get(f"{BASE}/a", status=429, headers={"Retry-After": "5"})
    responses.get(f"{BASE}/a", json=[])
    client(clock).get_json("/a")
    assert sum(clock.sleeps) == pytest.approx(6.0)  # 5 s + the pacer's 1 s margin


@responses.activate
def test_endless_429_ends_rate_limited(clock):
    responses.get(f"{BASE}/a", status=429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimited):
        client(clock, rate_limit_attempts=3).get_json("/a")
    assert len(responses.calls) == 3


@responses.activate
def test_401_is_auth_error_with_platform_message_and_no_token(clock):
    responses.get(f"{BASE}/a", status=401, json={"error": f"The access token was revoked ({TOKEN})"})
    with pytest.raises(AuthError) as info:
        client(clock).get_json("/a")
    assert "access token was revoked" in str(info.value)
    assert TOKEN not in str(info.value)
    assert info.value.status == "needs-reauth"


@responses.activate
def test_403_x_problem_shape(clock):
    responses.get(f"{BASE}/a", status=403, json={"title": "Forbidden", "detail": "client-not-enrolled",
                                                 "type": "https://api.twitter.com/2/problems/client-forbidden"})
    with pytest.raises(AuthError, match="client-not-enrolled"):
        client(clock).get_json("/a")


@responses.activate
def test_404_not_found(clock):
    responses.get(f"{BASE}/a", status=404, json={"error": "Record not found"})
    with pytest.raises(NotFound, match="Record not found"):
        client(clock).get_json("/a")


@responses.activate
@pytest.mark.parametrize("body", ['{"data": [{"id": "1"}', "<html>oops</html>", ""])
def test_truncated_or_malformed_json_is_transient(clock, body):
    responses.get(f"{BASE}/a", body=body, content_type="application/json")
    with pytest.raises(TransientError, match="not complete JSON"):
        client(clock).get_json("/a")


@responses.activate
@pytest.mark.parametrize("exc", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout,
                                 requests.exceptions.ConnectionError])
def test_network_errors_are_transient_and_hide_the_token(clock, exc):
    responses.get(f"{BASE}/a", body=exc(f"boom {TOKEN}"))
    with pytest.raises(TransientError) as info:
        client(clock).get_json("/a")
    assert TOKEN not in str(info.value)


def test_repr_never_shows_token(clock):
    c = client(clock)
    assert TOKEN not in repr(c)
    assert TOKEN not in repr(c.library_session())


@responses.activate
def test_token_not_logged(clock, caplog):
    responses.get(f"{BASE}/a", status=401, json={"error": "nope"})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError):
        client(clock).get_json("/a")
    assert TOKEN not in caplog.text


def test_parse_reset_formats():
    now = 1_800_000_000.0
    assert parse_reset("1800000100", now) == 1800000100
    assert parse_reset("30", now) == now + 30
    assert parse_reset("2027-01-15T08:00:00.000Z", now) == pytest.approx(1_800_000_000.0)
    assert parse_reset("Fri, 15 Jan 2027 08:00:00 GMT", now) == pytest.approx(1_800_000_000.0)
    assert parse_reset("garbage", now) is None
    assert parse_reset(None, now) is None


def test_endpoint_of_folds_ids():
    assert endpoint_of("https://api.x.com/2/users/2244994945/tweets") == "/2/users/:id/tweets"
    assert endpoint_of("https://m.test/api/v1/accounts/109302/statuses") == "/api/v1/accounts/:id/statuses"


def headers(limit, remaining, reset):
    return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(reset))}


def test_pacer_runs_free_then_spreads_before_the_limit(clock):
    pacer = Pacer(clock=clock, sleep=clock.sleep, spread_below=0.25, margin=0)
    key = ("x", "cred", "/e")
    reset = clock.now + 100
    pacer.update(key, headers(100, 80, reset))
    for _ in range(55):          # plenty left: no waiting
        pacer.before(key)
    assert clock.sleeps == []
    # 25 left (= 25% of the limit): spread over the 100 s to the reset.
    for _ in range(25):
        pacer.before(key)
    assert clock.now <= reset + 1e-6
    assert clock.now - 1_800_000_000.0 == pytest.approx(96.0)
    # Nothing left: the next call waits for the reset.
    pacer.before(key)
    assert clock.now >= reset


def test_pacer_reads_mastodon_and_bluesky_headers(clock):
    pacer = Pacer(clock=clock, sleep=clock.sleep, margin=0)
    m, b = ("mastodon", "c", "*"), ("bluesky", "c", "*")
    pacer.update(m, {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                     "X-RateLimit-Reset": "2027-01-15T08:00:00.000Z"})
    pacer.update(b, {"RateLimit-Limit": "3000", "RateLimit-Remaining": "2999",
                     "RateLimit-Reset": str(int(clock.now + 300)), "RateLimit-Policy": "3000;w=300"})
    assert pacer.window(m).remaining == 0 and pacer.window(m).reset_at == pytest.approx(1_800_000_000.0)
    assert pacer.window(b).limit == 3000 and pacer.window(b).reset_at == clock.now + 300


def test_pacer_raises_when_reset_is_too_far(clock):
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_wait=10)
    key = ("x", "cred", "/e")
    pacer.update(key, headers(15, 0, clock.now + 900))
    with pytest.raises(RateLimited) as info:
        pacer.before(key)
    assert info.value.reset_at == clock.now + 900


@responses.activate
def test_pacer_shared_by_credential_not_across_credentials(clock):
    reset = clock.now + 600
    responses.get(f"{BASE}/a", json={}, headers=headers(10, 0, reset))
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_wait=60)
    a1 = ApiClient("x", BASE, token="t1", credential_key="env:A", pacer=pacer)
    a2 = ApiClient("x", BASE, token="t1", credential_key="env:A", pacer=pacer)
    b = ApiClient("x", BASE, token="t2", credential_key="env:B", pacer=pacer)
    a1.get_json("/a", endpoint="tweets")
    with pytest.raises(RateLimited):   # the same credential's window is spent
        a2.get_json("/a", endpoint="tweets")
    b.get_json("/a", endpoint="tweets")  # another credential is not held back
    a2.get_json("/a", endpoint="following")  # nor another endpoint


def test_pacer_is_thread_safe():
    """Threads sharing a window never start more calls than it allows before its reset."""
    import time as real_time
    start = real_time.time()
    pacer = Pacer(margin=0.0, spread_below=0.0)
    key = ("x", "c", "/e")
    reset = int(start) + 2  # epoch-second headers
    pacer.update(key, headers(40, 40, reset))
    started: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(10):
            pacer.before(key)
            with lock:
                started.append(real_time.time())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(started) == 80
    assert sum(1 for s in started if s < reset) <= 40
    assert max(started) >= reset


@responses.activate
def test_token_only_sent_to_its_own_origin(clock):
    responses.get(f"{BASE}/a", json={})
    responses.get("https://cdn.elsewhere.test/next", json={})
    c = client(clock)
    c.get_json("/a")
    c.get_json("https://cdn.elsewhere.test/next")
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "Authorization" not in responses.calls[1].request.headers


@pytest.mark.parametrize("name", ["x", "bluesky", "mastodon"])
def test_connectors_registered_and_built_from_settings(name):
    """The scanner builds connectors from the entry point and the [platforms.NAME] table."""
    from importlib.metadata import entry_points

    from auditor.config import parse_settings
    from connectors.http import ApiConnector, shared_pacer

    settings = parse_settings({"platforms": {name: {"base_url": "http://127.0.0.1:9", "max_wait": 30,
                                                    "page_size": 7}}}, "test.toml")
    [ep] = [e for e in entry_points(group="auditor.connectors") if e.name == name]
    options = dict(settings.platforms[name], platform=name)
    connector = ep.load()(options)
    assert isinstance(connector, ApiConnector) and connector.platform == name
    assert connector.page_size == 7 and connector.base_url == "http://127.0.0.1:9"
    assert connector.pacer is shared_pacer(name) and connector.pacer.max_wait == 30


def test_https_required_for_configured_endpoints():
    from connectors.mastodon import MastodonConnector

    with pytest.raises(ConnectorError, match="only https"):
        MastodonConnector({"base_url": "http://mastodon.example.test"})


class _Stalling:
    """A loopback server whose first `stalls` responses come too late for the client's timeout."""

    def __init__(self, stalls: int):
        import http.server
        import time as _time

        outer = self
        self.stalls, self.seen = stalls, 0

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):  # noqa: N802
                outer.seen += 1
                if outer.seen <= outer.stalls:
                    _time.sleep(0.6)
                body = b'{"ok": true}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("stalls,ok", [(2, True), (5, False)])
def test_read_timeouts_are_retried_by_urllib3_then_transient(stalls, ok, clock):
    server = _Stalling(stalls)
    try:
        c = ApiClient("mastodon", server.url, pacer=Pacer(clock=clock, sleep=clock.sleep), timeout=(1, 0.2),
                      retries=2, backoff_factor=0)
        if ok:
            assert c.get_json("/api/v1/x")[0] == {"ok": True}
            assert server.seen == 3 and c.calls == 1  # two retries inside one call
        else:
            with pytest.raises(TransientError, match="after retries"):
                c.get_json("/api/v1/x")
            assert server.seen == 3
    finally:
        server.close()


@responses.activate
def test_connectors_share_one_cookieless_session_per_host():
    from connectors.mastodon import MastodonConnector

    a = MastodonConnector({"base_url": "https://school.social"})
    b = MastodonConnector({"base_url": "https://school.social"})
    other = MastodonConnector({"base_url": "https://other.social"})
    ca, cb = a.client("https://school.social", token="t1"), b.client("https://school.social", token="t2")
    assert ca.session is cb.session
    assert other.client("https://other.social").session is not ca.session
    responses.get("https://school.social/api/v1/x", json={}, headers={"Set-Cookie": "_session_id=abc; path=/"})
    ca.get_json("/api/v1/x")
    cb.get_json("/api/v1/x")
    assert "Cookie" not in responses.calls[1].request.headers
    assert responses.calls[1].request.headers["Authorization"] == "Bearer t2"
