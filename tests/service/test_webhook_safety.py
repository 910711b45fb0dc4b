"""No outbound surprises: a webhook URL must be https, carry no credentials and reach only public
addresses (in any spelling), unless the operator allow-lists a host; the check runs when the URL is
registered and again before each delivery, and a delivery connects to the address that check
resolved. Names resolve through injected resolvers: no test here makes a DNS query, and the only
connections made are to receivers on 127.0.0.1."""

from __future__ import annotations

import datetime
import re
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jaga.outbound import OutboundPolicy, UnsafeUrl
from jaga.pipeline import Moderator
from jaga.service import create_app
from jaga.service.webhooks import WebhookDispatcher
from jaga.store import Role, Store
from jaga.store.models import WebhookRow

HATE = {"id": "h1", "text": "Those people are vermin and should be driven out of our country", "country": "ID"}
PUBLIC = "93.184.216.34"


class Dns:
    """A resolver with `socket.getaddrinfo`'s signature over a fixed table; counts its queries."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table, self.queries = table, 0

    def __call__(self, host: str, port: int, *_: Any, **__: Any) -> Sequence[tuple[Any, ...]]:
        self.queries += 1
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in self.table[host]]


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records the Host header of each request."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def admin_client(database_url: str, moderator: Moderator, policy: OutboundPolicy | None = None,
                 ) -> tuple[Callable[[], TestClient], dict[str, str], dict[str, str]]:
    acme = Store(database_url).scoped("acme")
    admin = {"Authorization": f"Bearer {acme.create_key('admin', Role.ADMIN)[1]}"}
    platform = {"Authorization": f"Bearer {acme.create_key('platform', Role.PLATFORM)[1]}"}
    return lambda: TestClient(create_app(database_url, moderator, deliver_webhooks=False, webhook_policy=policy)), admin, platform


REFUSED = {
    "http://hooks.example.com/jaga": "https",
    "https://user:secret@hooks.example.com/jaga": "credentials",
    "https://127.0.0.1/": "loopback",
    "https://2130706433/": "loopback",  # 127.0.0.1 as one integer
    "https://0x7f.1/": "loopback",
    "https://0177.0.0.1/": "loopback|not a valid URL",  # octal (which httpx would not even parse)
    "https://127.1/": "loopback",
    "https://[::1]/": "loopback",
    "https://[::ffff:127.0.0.1]/": "loopback address (inside an IPv6 address)",
    "https://[::ffff:a9fe:a9fe]/": "link-local address (inside",  # 169.254.169.254, IPv4-mapped
    "https://169.254.169.254/latest/meta-data/": "link-local",
    "https://[fe80::1]/": "link-local",
    "https://10.1.2.3/": "private",
    "https://172.16.5.4/": "private",
    "https://192.168.1.1/": "private",
    "https://[fd00::1]/": "private",
    "https://100.64.0.1/": "not a public address",  # carrier-grade NAT
    "https://0.0.0.0/": "unspecified",
    "https://[::]/": "unspecified",
    "https://224.0.0.1/": "multicast",
    "https://240.0.0.1/": "reserved",
    "https://[64:ff9b::a00:1]/": "private address (inside",  # NAT64 of 10.0.0.1
    "https://[2002:a00:1::]/": "private address (inside",  # 6to4 of 10.0.0.1
    "https://metadata.internal/": "link-local",  # a name that resolves inside
    "https://split.example.com/": "private",  # one of its addresses is inside
    "https://nowhere.example.com/": "does not resolve",
}
DNS = {"hooks.example.com": [PUBLIC], "metadata.internal": ["169.254.169.254"],
       "split.example.com": [PUBLIC, "10.0.0.8"]}


@pytest.mark.parametrize(("url", "reason"), REFUSED.items())
def test_the_policy_refuses_unsafe_urls(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason if "|" in reason else re.escape(reason)):
        OutboundPolicy(resolver=Dns(DNS)).check(url)


def test_registration_refuses_unsafe_urls_with_the_reason(database_url: str, moderator: Moderator) -> None:
    client_for, admin, _ = admin_client(database_url, moderator, OutboundPolicy(resolver=Dns(DNS)))
    with client_for() as client:
        for url, reason in REFUSED.items():
            response = client.put("/v1/webhook", json={"url": url}, headers=admin)
            assert response.status_code == 422, (url, response.text)
            error = response.json()["error"]
            assert error["code"] in ("webhook_url_refused", "invalid_request"), (url, error)
            if error["code"] == "webhook_url_refused":
                assert re.search(reason.split(" (")[0], error["message"]), (url, error)
        accepted = client.put("/v1/webhook", json={"url": "https://hooks.example.com/jaga"}, headers=admin)
        assert accepted.status_code == 200 and len(accepted.json()["secret"]) == 64
    with Store(database_url).sessions() as session:
        assert session.scalars(select(WebhookRow.url)).all() == ["https://hooks.example.com/jaga"]


def test_registration_in_the_store_checks_raw_urls(database_url: str) -> None:
    """The store checks too (its callers need not go through the API and its URL parser)."""
    store = Store(database_url).scoped("acme")
    for url in ("http://2130706433:8080/", "https://0x7f.1/", "https://admin:pw@127.0.0.1/"):
        with pytest.raises(UnsafeUrl):
            store.set_webhook(url)
    with store.sessions() as session:
        assert session.scalars(select(WebhookRow)).all() == []


def test_operators_allow_list_their_own_receivers(monkeypatch: pytest.MonkeyPatch) -> None:
    dns = Dns({"receiver.internal": ["10.0.0.5"], "hooks.example.com": [PUBLIC]})
    with pytest.raises(UnsafeUrl, match="private"):
        OutboundPolicy.from_environment(dns).check("https://receiver.internal/hooks")
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HOSTS", "receiver.internal, 192.168.7.0/24")
    policy = OutboundPolicy.from_environment(dns)
    assert str(policy.check("https://receiver.internal/hooks").address) == "10.0.0.5"
    assert str(policy.check("https://192.168.7.9:8443/").address) == "192.168.7.9"
    with pytest.raises(UnsafeUrl, match="private"):  # the network allows what it holds, nothing more
        policy.check("https://192.168.8.1/")
    with pytest.raises(UnsafeUrl, match="https"):  # allowed to be inside is not allowed plain http
        policy.check("http://receiver.internal/hooks")
    assert dns.queries == 2  # the http URL was refused before its name was looked up
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HTTP_HOSTS", "receiver.internal")
    assert OutboundPolicy.from_environment(dns).check("http://receiver.internal/hooks").port == 80
    with pytest.raises(UnsafeUrl, match="https"):
        OutboundPolicy.from_environment(dns).check("http://hooks.example.com/hooks")


def test_delivery_connects_to_the_checked_address_with_the_original_host(
        database_url: str, moderator: Moderator, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatcher resolves the name once per delivery, checks the address and connects to it;
    the receiver sees the URL's own host name. When the name later resolves somewhere not allowed
    (DNS rebinding), the delivery is refused and nothing is sent."""
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HTTP_HOSTS", "receiver.test")
    dns = Dns({"receiver.test": ["127.0.0.1"]})
    client_for, admin, platform = admin_client(database_url, moderator, OutboundPolicy.from_environment(dns))
    url = f"http://receiver.test:{receiver.port}/hooks/jaga"
    with client_for() as client:
        assert client.put("/v1/webhook", json={"url": url}, headers=admin).status_code == 200
        assert dns.queries == 1
        client.post("/v1/moderate", json={"post": HATE}, headers=platform)
        dispatcher = client.app.state.webhooks
        assert dispatcher.run_once() == 1
        assert receiver.hosts == [f"receiver.test:{receiver.port}"] and dns.queries == 2

        dns.table["receiver.test"] = ["10.0.0.7"]  # rebinding to an address nobody allowed
        client.post("/v1/moderate", json={"post": {**HATE, "id": "h2"}}, headers=platform)
        assert dispatcher.run_once() == 0
        failed = Store(database_url).scoped("acme").deliveries()[-1]
        assert failed.delivered_at is None and (failed.last_error or "").startswith("refused: receiver.test (10.0.0.7)")
        assert len(receiver.hosts) == 1


def test_delivery_rechecks_urls_stored_before_the_checks(database_url: str, local_webhooks: None) -> None:
    """A URL already in the database (from an older Jaga, or written by hand) is refused at delivery."""
    store = Store(database_url).scoped("acme")
    store.set_webhook("http://127.0.0.1:9/hooks")
    with store.writing() as session:
        session.get(WebhookRow, "acme").url = "https://169.254.169.254/latest/meta-data/"  # type: ignore[union-attr]
    with store.sessions.begin() as session:
        store._enqueue(session, "decision.created", {"decision": {}})
    assert WebhookDispatcher(store).run_once() == 0
    assert "link-local" in (store.deliveries()[0].last_error or "")


def test_delivery_can_be_switched_off(tmp_path: Path, moderator: Moderator, monkeypatch: pytest.MonkeyPatch) -> None:
    """`JAGA_WEBHOOK_DELIVERY=off`: the service starts no dispatcher (events still queue)."""
    database_url = f"sqlite:///{tmp_path / 'jaga.db'}"
    with TestClient(create_app(database_url, moderator)) as client:
        assert client.app.state.webhooks._thread is not None
    monkeypatch.setenv("JAGA_WEBHOOK_DELIVERY", "off")
    with TestClient(create_app(database_url, moderator)) as client:
        assert client.app.state.webhooks._thread is None


def certificate_authority(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with a certificate for `name`, client context trusting only its issuer)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def issue(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, signer: ec.EllipticCurvePrivateKey,
              ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                critical=True)
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = issue("Jaga test CA", ca_key, "Jaga test CA", ca_key, ca=True)
    leaf = issue(name, leaf_key, "Jaga test CA", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    with tempfile.TemporaryDirectory() as folder:
        chain, key = Path(folder) / "chain.pem", Path(folder) / "key.pem"
        chain.write_bytes(leaf.public_bytes(pem))
        key.write_bytes(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(chain, key)
    client = ssl.create_default_context(cadata=ca_cert.public_bytes(pem).decode("ascii"))
    return server, client


def test_https_delivery_to_the_pinned_address_verifies_the_host_names_certificate(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over TLS the pinned connection still sends the URL's host name as SNI and checks the
    certificate against it: a name whose certificate the server cannot show is not delivered to."""
    server_context, client_context = certificate_authority("hooks.example.test")
    names: list[str | None] = []
    server_context.sni_callback = lambda _socket, name, _context: names.append(name)  # type: ignore[assignment,func-returns-value]
    receiver = Receiver()
    receiver.server.socket = server_context.wrap_socket(receiver.server.socket, server_side=True)
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HOSTS", "127.0.0.0/8")
    dns = Dns({"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]})
    policy = OutboundPolicy.from_environment(dns)
    store = Store(database_url).scoped("acme")
    dispatcher = WebhookDispatcher(store, policy=policy, verify=client_context)
    try:
        store.set_webhook(f"https://hooks.example.test:{receiver.port}/hooks", policy)
        with store.sessions.begin() as session:
            store._enqueue(session, "decision.created", {"decision": {}})
        assert dispatcher.run_once() == 1
        assert names == ["hooks.example.test"] and receiver.hosts == [f"hooks.example.test:{receiver.port}"]

        store.set_webhook(f"https://other.example.test:{receiver.port}/hooks", policy)
        with store.sessions.begin() as session:
            store._enqueue(session, "decision.created", {"decision": {}})
        assert dispatcher.run_once() == 0
        assert "certificate" in (store.deliveries()[-1].last_error or "").lower()
        assert len(receiver.hosts) == 1
    finally:
        receiver.close()
