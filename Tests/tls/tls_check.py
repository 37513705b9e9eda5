"""HTTPS checks against a daemon serving [server] tls_cert/tls_key on --host:--port.

Prints one line per check and exits 1 if any failed."""
import argparse
import asyncio
import os
import socket
import ssl
import sys

import httpx
from syncropel import Client, Identity

ACTOR = "did:example:tls"
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(name)


async def sdk_with_the_test_ca(endpoint):
    # httpx, under the SDK, builds its TLS context from SSL_CERT_FILE when it is set.
    # The admin token tls/run.sh started the daemon with (SPL_BOOTSTRAP_TOKEN).
    client = Client(endpoint=endpoint, identity=Identity.static(ACTOR), timeout=10.0, max_retries=0,
                    api_key=os.environ["SPL_BOOTSTRAP_TOKEN"])
    try:
        health = await client.health()
        check("SDK health over HTTPS with the test CA", health.get("status") == "ok", repr(health))
        result = await client.emit(act="KNOW", kind="x.tls.check", body={"over": "https"}, thread="th_tls", clock=1)
        check("SDK emit over HTTPS", result.success, repr(result.error))
        records = await client.query_thread("th_tls")
        check("SDK reads the record back over HTTPS", [r["body"].get("over") for r in records] == ["https"], repr(records))
    finally:
        await client.close()


def without_the_ca(endpoint):
    try:
        httpx.get(endpoint + "/health", verify=ssl.create_default_context(), timeout=10.0)
        check("a client without the test CA is refused by its verification", False, "the request succeeded")
    except httpx.ConnectError as error:
        check("a client without the test CA is refused by its verification", "CERTIFICATE_VERIFY_FAILED" in str(error), str(error))


def plain_http(host, port):
    with socket.create_connection((host, port), timeout=10.0) as conn:
        conn.sendall(f"GET /health HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        received = b""
        try:
            while chunk := conn.recv(4096):
                received += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    check("plain HTTP gets no HTTP answer and is closed", not received.startswith(b"HTTP/"), repr(received[:80]))
    try:
        httpx.get(f"http://{host}:{port}/health", timeout=10.0)
        check("httpx over plain http:// fails", False, "it got an answer")
    except httpx.HTTPError as error:
        check("httpx over plain http:// fails", True, str(error))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    args = parser.parse_args()
    endpoint = f"https://{args.host}:{args.port}"
    without_the_ca(endpoint)
    plain_http(args.host, args.port)
    os.environ["SSL_CERT_FILE"] = args.ca
    asyncio.run(sdk_with_the_test_ca(endpoint))
    print(f"{len(failures)} of the HTTPS checks failed" if failures else "all HTTPS checks passed")
    sys.exit(1 if failures else 0)


main()
