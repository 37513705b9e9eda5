"""Prepares a just-started moto_server for the S3 replica tests and prints its settings.

moto_server runs with INITIAL_NO_AUTH_ACTION_COUNT=4: the first four calls need no valid
signature, every later one does. Those four make an IAM user, a policy allowing s3:*, its
attachment and the user's access key; the bucket is then made with that key, and a request
signed with a wrong secret must come back SignatureDoesNotMatch, or the server would not
prove anything about our signatures and the run fails.

Prints shell-style lines: S3_ENDPOINT, S3_REGION, S3_BUCKET, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY.
"""

import argparse
import json
import os
import socket
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
BUCKET = "spl-replica-test"
USER = "spl-replica"


def wait_for_port(port, pid, seconds):
    """A TCP connect, not an HTTP request: a request would spend one of the four free calls."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(f"moto_setup: moto_server (pid {pid}) exited before it listened on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"moto_setup: moto_server did not listen on 127.0.0.1:{port} within {seconds} s")


def client(service, endpoint, key_id, secret):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        # No retries: a retried call would count against the four unauthenticated ones.
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    endpoint = f"http://127.0.0.1:{args.port}"
    wait_for_port(args.port, args.pid, args.wait)

    iam = client("iam", endpoint, "bootstrap", "bootstrap")
    iam.create_user(UserName=USER)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="spl-replica-s3", PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]

    client("s3", endpoint, key_id, secret).create_bucket(Bucket=BUCKET)

    wrong = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    try:
        client("s3", endpoint, key_id, wrong).list_objects_v2(Bucket=BUCKET)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code != "SignatureDoesNotMatch":
            sys.exit(f"moto_setup: a wrong secret got {code}, expected SignatureDoesNotMatch")
    else:
        sys.exit("moto_setup: moto_server accepted a request signed with a wrong secret")

    print(f"S3_ENDPOINT={endpoint}")
    print(f"S3_REGION={REGION}")
    print(f"S3_BUCKET={BUCKET}")
    print(f"AWS_ACCESS_KEY_ID={key_id}")
    print(f"AWS_SECRET_ACCESS_KEY={secret}")


if __name__ == "__main__":
    main()
