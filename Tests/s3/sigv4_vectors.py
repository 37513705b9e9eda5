"""Random S3 requests signed by botocore's S3SigV4Auth, one JSON object a line.

The Swift signer (AWSSignatureV4) signs the same requests and must produce the same
Authorization, X-Amz-Date and X-Amz-Content-SHA256 headers: see
Tests/SyncropelReplicaTests/AWSSignatureV4VectorTests.swift and run-sigv4-differential.sh.

    sigv4_vectors.py [--count N] [--seed SEED]

Each line: method, scheme, host, port (or null), path (before percent-encoding), query and
headers (lists of [name, value], repeats allowed), payload_base64, region, service,
access_key, secret_key, session_token (or null), epoch (the signing time, whole seconds),
and botocore's authorization, x_amz_date and x_amz_content_sha256.
"""

import argparse
import base64
import datetime
import json
import random
import sys
from urllib.parse import quote

import botocore.auth
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Characters S3 keys and query values really meet: RFC 3986 reserved and unreserved ones,
# spaces, percent signs, and non-ASCII text that is encoded as UTF-8.
KEY_PIECES = list("abcXYZ019-_.~ !*'()+=&$@,;:%?#[]") + ["é", "日本", "ü", "/", "//", ".", "..", "%2F", "a b"]
QUERY_NAMES = ["list-type", "prefix", "continuation-token", "max-keys", "delimiter", "uploads", "versionId",
               "a b", "é", "x/y", "x=y", "tilde~", ""]
HEADER_NAMES = ["Content-Type", "Content-MD5", "Range", "x-amz-meta-note", "X-Amz-Meta-Note",
                "x-amz-checksum-sha256", "x-amz-storage-class", "If-None-Match", "Cache-Control",
                "User-Agent", "Expect", "Transfer-Encoding", "Connection", "X-Amzn-Trace-Id"]
HOSTS = ["s3.amazonaws.com", "examplebucket.s3.amazonaws.com", "Bucket-1.S3.EU-West-1.AmazonAWS.com",
         "127.0.0.1", "localhost", "minio.internal", "[::1]"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "auto"]
SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"


def text(rng, pieces, low, high):
    return "".join(rng.choice(pieces) for _ in range(rng.randint(low, high)))


def header_value(rng):
    # Printable ASCII with runs of spaces and tabs inside and around, which SigV4 trims.
    core = "".join(rng.choice("abc XYZ 019\t=;,/-\"'()*") for _ in range(rng.randint(0, 24)))
    return rng.choice(["", " ", "  ", "\t"]) + core + rng.choice(["", " ", "\t "])


def vector(rng):
    scheme = rng.choice(["http", "https"])
    port = rng.choice([None, None, 80, 443, 9000, rng.randint(1, 65535)])
    host = rng.choice(HOSTS)
    path = "/" + text(rng, KEY_PIECES, 0, 12)
    query = [[rng.choice(QUERY_NAMES), text(rng, KEY_PIECES, 0, 8)] for _ in range(rng.choice([0, 0, 1, 2, 4]))]
    headers = [[rng.choice(HEADER_NAMES), header_value(rng)] for _ in range(rng.randint(0, 5))]
    payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 17, 64, 300])))
    credentials = Credentials(
        "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "".join(rng.choice(SECRET_ALPHABET) for _ in range(40)),
        rng.choice([None, None, "".join(rng.choice(SECRET_ALPHABET + "=") for _ in range(rng.randint(20, 120)))]),
    )
    region = rng.choice(REGIONS)
    epoch = rng.randint(946684800, 4102444799)  # 2000-01-01 … 2099-12-31

    netloc = host if port is None else f"{host}:{port}"
    request = AWSRequest(method=rng.choice(["GET", "PUT", "DELETE", "HEAD", "POST"]),
                         url=f"{scheme}://{netloc}{quote(path, safe='/~')}", data=payload,
                         params=[tuple(pair) for pair in query])
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders keeps repeats, in order
    signed_at = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)
    botocore.auth.get_current_datetime = lambda: signed_at
    S3SigV4Auth(credentials, "s3", region).add_auth(request)

    return {
        "method": request.method, "scheme": scheme, "host": host, "port": port, "path": path,
        "query": query, "headers": headers, "payload_base64": base64.b64encode(payload).decode(),
        "region": region, "service": "s3", "access_key": credentials.access_key,
        "secret_key": credentials.secret_key, "session_token": credentials.token, "epoch": epoch,
        "authorization": request.headers["Authorization"], "x_amz_date": request.headers["X-Amz-Date"],
        "x_amz_content_sha256": request.headers["X-Amz-Content-SHA256"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randint(0, 2**32)
    print(f"sigv4_vectors: {args.count} vectors, seed {seed}", file=sys.stderr)
    rng = random.Random(seed)
    for _ in range(args.count):
        print(json.dumps(vector(rng), ensure_ascii=False))


if __name__ == "__main__":
    main()
