#!/usr/bin/env python3
"""Differential test: `spl record id --lines` against the Python SDK.

Generates random record envelopes (seeded), writes each as one JSON line in
several wire forms, pipes all lines to ONE `spl record id --lines` process and
compares every answer with `syncropel.canonical.canonical_json` (bytes) and
the SHA-256 of those bytes (the 7-field record id, SPEC 3.2).

A line is expected to be refused when the SDK path fails (json.loads,
canonical_json or UTF-8 encoding raises) or when it breaks a rule our spec
adds on top of the SDK (nesting deeper than 64, duplicate keys: SPEC 3.2/11),
which the `spec_only` category marks.

usage: differential.py SPL_BIN [COUNT] [--seed SEED] [--invalid N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import struct
import subprocess
import sys
import time

from syncropel.canonical import canonical_json

ACTS = ["INTEND", "DO", "KNOW", "LEARN", "GET", "PUT", "CALL", "MAP"]
DATA_TYPES = ["SCALAR", "FORMULA", "DISTRIBUTION", "REFERENCE", "MORPHISM", "VOID"]
THREAD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-"
MAX_DEPTH = 64  # arrays/objects, the envelope itself included
BODY_CHAIN_MAX = 60  # "deep nesting" chains inside the body
PLACEHOLDER = "__SPL_DIFFERENTIAL_PLACEHOLDER__"

# Characters that exercise escaping, sorting and normalisation.
SPECIAL_CHARS = (
    [chr(c) for c in range(0x20)]
    + ['"', "\\", "/", "\u007f", "\u2028", "\u2029", "\ufeff", "\uffff", "\ufffd", "\u00e9", "e\u0301",
       "\u0301", "\u036f", "\uff01", "\U0001f600", "\U0010ffff", "\U00010000", "\u00a0", "\u200b", "<", "&"]
)


# ---------------------------------------------------------------- values


def rand_char(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return chr(rng.randint(0x20, 0x7E))
    if roll < 0.65:
        return rng.choice(SPECIAL_CHARS)
    if roll < 0.75:
        return chr(rng.randint(0x0300, 0x036F))  # combining marks
    if roll < 0.88:
        while True:
            c = rng.randint(0x80, 0xFFFF)
            if not 0xD800 <= c <= 0xDFFF:
                return chr(c)
    return chr(rng.randint(0x10000, 0x10FFFF))  # astral planes


def rand_string(rng: random.Random, max_len: int = 24) -> str:
    return "".join(rand_char(rng) for _ in range(rng.randint(0, max_len)))


def rand_key(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(["a", "b", "A", "_", "", "kind", "_v", "z", "\uff01", "\U0001f600", "\u00e9", "e\u0301",
                           "a\u0000", "\u007f", "\u2028", "10", "9", "aa", "a b"])
    if roll < 0.6:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_ABC019") for _ in range(rng.randint(1, 10)))
    return rand_string(rng, 12)


def rand_int(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.4:
        return rng.randint(-1000, 1000)
    if roll < 0.6:
        return rng.choice([0, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 2**64 - 1, -(2**64), 2**53 + 1, 2**70])
    if roll < 0.9:
        return rng.randint(-(10**40), 10**40)
    digits = rng.randint(1, 4300)
    return rng.randrange(10 ** (digits - 1), 10**digits) * rng.choice([1, -1])


def rand_float(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.35:
        while True:  # any finite bit pattern: every exponent, normals and subnormals
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
            if math.isfinite(value):
                return value
    if roll < 0.45:  # subnormal
        return struct.unpack("<d", (rng.getrandbits(52) | (rng.getrandbits(1) << 63)).to_bytes(8, "little"))[0]
    if roll < 0.6:  # integral: exact expansion in canonical form
        return rng.choice([float(rng.randint(-(2**70), 2**70)), float(2 ** rng.randint(0, 1023)),
                           -float(2 ** rng.randint(0, 1023)), float(rng.randint(-100, 100)), 1e16, 1e22, 1e300,
                           1.7976931348623157e308, 0.0, -0.0])
    if roll < 0.75:  # around Python repr's fixed/exponent switch points
        base = rng.choice([1e-4, 1e16, 1e-5, 1e15, 2**52, 2**53])
        value = base
        for _ in range(rng.randint(0, 3)):
            value = math.nextafter(value, rng.choice([0.0, math.inf]))
        return value * rng.choice([1, -1])
    if roll < 0.9:
        return round(rng.uniform(-1e6, 1e6), rng.randint(0, 12))
    return rng.choice([0.1, 2.5, 1e-07, 2.5e-05, 0.0001, 123.456, 5e-324, 0.30000000000000004, 1e-05,
                       9.999999999999999e-05, 123456789012345.6, 2.2250738585072014e-308, 4.9406564584124654e-324])


def rand_scalar(rng: random.Random):
    roll = rng.random()
    if roll < 0.3:
        return rand_string(rng)
    if roll < 0.55:
        return rand_int(rng)
    if roll < 0.85:
        return rand_float(rng)
    return rng.choice([True, False, None])


def rand_object(rng: random.Random, depth: int, budget: list[int]) -> dict:
    keys = []
    for _ in range(rng.randint(0, 8)):
        key = rand_key(rng)
        if key not in keys:
            keys.append(key)
    if rng.random() < 0.15:  # code point order vs UTF-16 order, normalisation
        keys += [k for k in ["\uff01", "\U0001f600", "\u00e9", "e\u0301"] if k not in keys]
    rng.shuffle(keys)
    return {k: rand_value(rng, depth + 1, budget) for k in keys}


def rand_value(rng: random.Random, depth: int, budget: list[int]):
    """A random value whose containers sit at nesting `depth` (body is depth 2)."""
    budget[0] -= 1
    if depth >= MAX_DEPTH or budget[0] <= 0 or rng.random() < 0.55:
        return rand_scalar(rng)
    if rng.random() < 0.5:
        return [rand_value(rng, depth + 1, budget) for _ in range(rng.randint(0, 6))]
    return rand_object(rng, depth, budget)


def chain(rng: random.Random, levels: int):
    """`levels` nested arrays/objects around one scalar."""
    value = rand_scalar(rng)
    for _ in range(levels):
        value = [value, rand_scalar(rng)] if rng.random() < 0.5 else {rand_key(rng): value}
    return value


def rand_body(rng: random.Random) -> dict:
    body = rand_object(rng, 2, [rng.choice([5, 20, 80, 300])])
    while len(json.dumps(body)) > 900_000:  # stay under the 1 MiB body limit (SPEC 3.1)
        body = rand_object(rng, 2, [20])
    if rng.random() < 0.2:
        # Body is depth 2, so a chain of 62 reaches exactly the limit of 64.
        body["deep"] = chain(rng, rng.choice([rng.randint(1, BODY_CHAIN_MAX), MAX_DEPTH - 2]))
    if rng.random() < 0.3:
        body["kind"] = rng.choice(["x.y.z", "music.catalog.track", "core.intent", "@acme.thing.v2"])
    return body


def random_hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def rand_thread(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "th_" + random_hex(rng)
    return "".join(rng.choice(THREAD_CHARS) for _ in range(rng.choice([1, 2, 12, 40, 256])))


def rand_envelope(rng: random.Random) -> dict:
    parents = sorted({random_hex(rng) for _ in range(rng.choice([0, 0, 1, 2, 5, 64]))})
    actor = "did:" + rng.choice(["example:", "key:z6Mk", "sync:user:"]) + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randint(1, 60)))
    if rng.random() < 0.1:
        actor += rand_string(rng, 8)  # any text after "did:" is allowed; this stays far below 512 bytes
    fields = {
        "act": rng.choice(ACTS),
        "actor": actor,
        "body": rand_body(rng),
        "clock": rng.choice([0, 1, 2**63 - 1, rng.randint(0, 2**63 - 1), rng.randint(0, 10**13)]),
        "data_type": rng.choice(DATA_TYPES),
        "parents": parents,
        "thread": rand_thread(rng),
    }
    order = list(fields)
    rng.shuffle(order)
    return {k: fields[k] for k in order}


# ---------------------------------------------------------------- wire forms


def escape_char_randomly(rng: random.Random, ch: str) -> str:
    """One character as JSON string content, escaped in one of its legal spellings."""
    code = ord(ch)
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in short and rng.random() < 0.7:
        return short[ch]
    if ch == "/" and rng.random() < 0.5:
        return "\\/"
    if code < 0x20 or ch in '"\\' or rng.random() < 0.25:
        spelling = "\\u{:04X}" if rng.random() < 0.5 else "\\u{:04x}"
        if code > 0xFFFF:
            code -= 0x10000
            return spelling.format(0xD800 + (code >> 10)) + spelling.format(0xDC00 + (code & 0x3FF))
        return spelling.format(code)
    return ch


def whitespace(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return ""
    # No "\n": one envelope per line. "\r" never ends a line since a token follows.
    return "".join(rng.choice(" \t\r") for _ in range(rng.randint(1, 3)))


def float_spelling(rng: random.Random, value: float) -> str:
    """A decimal spelling that Python's float() and a correct parser read back as `value`."""
    text = repr(value)
    roll = rng.random()
    if roll < 0.5:
        return text
    if roll < 0.7:
        return f"{value:.17e}".replace("e", rng.choice(["e", "E"]))
    if roll < 0.85:
        return f"{value:.{rng.randint(17, 40)}e}"  # more digits than needed, all exact binary digits
    if "e" not in text and "." in text:
        return text + rng.choice(["e0", "E+0", "e-0", "0" * rng.randint(1, 30)])
    return text


def hand_write(rng: random.Random, value) -> str:
    """JSON text with random escapes, whitespace and number spellings (body values only)."""
    if isinstance(value, dict):
        items = [whitespace(rng) + hand_string(rng, k) + whitespace(rng) + ":" + whitespace(rng)
                 + hand_write(rng, v) + whitespace(rng) for k, v in value.items()]
        return "{" + ",".join(items) + "}" if items else "{" + whitespace(rng) + "}"
    if isinstance(value, list):
        items = [whitespace(rng) + hand_write(rng, v) + whitespace(rng) for v in value]
        return "[" + ",".join(items) + "]" if items else "[" + whitespace(rng) + "]"
    if isinstance(value, str):
        return hand_string(rng, value)
    if isinstance(value, float):
        return float_spelling(rng, value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int) and value == 0 and rng.random() < 0.3:
        return "-0"
    return json.dumps(value)


def hand_string(rng: random.Random, text: str) -> str:
    if text.isascii() and text.isalnum() and rng.random() < 0.8:  # hex ids and plain names: mostly as is
        return '"' + text + '"'
    return '"' + "".join(escape_char_randomly(rng, ch) for ch in text) + '"'


def wire_forms(rng: random.Random, envelope: dict) -> list[tuple[str, bytes]]:
    forms = [
        ("raw", json.dumps(envelope, ensure_ascii=False)),
        ("ascii", json.dumps(envelope, ensure_ascii=True)),
    ]
    if rng.random() < 0.5:
        compact = json.dumps(envelope, ensure_ascii=rng.random() < 0.5, separators=(",", ":"))
        forms.append(("compact", compact))
    # Hand-escaped: top-level fields keep plain spellings (clock must stay an integer literal).
    parts = []
    for key, value in envelope.items():
        text = hand_write(rng, value) if key in ("body", "actor", "thread", "parents") else json.dumps(value)
        parts.append(whitespace(rng) + hand_string(rng, key) + whitespace(rng) + ":" + whitespace(rng) + text)
    forms.append(("hand", whitespace(rng) + "{" + ",".join(parts) + "}" + whitespace(rng).rstrip("\r")))
    return [(name, text.encode("utf-8")) for name, text in forms]


# ---------------------------------------------------------------- invalid lines


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def invalid_tokens(rng: random.Random) -> list[tuple[str, bytes, bool]]:
    """(category, token replacing a body value, spec_only) — each must be refused."""
    long_int = str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=4300))
    high = rng.randint(0xD800, 0xDBFF)
    low = rng.randint(0xDC00, 0xDFFF)
    return [
        ("nan", b"NaN", False),
        ("infinity", rng.choice([b"Infinity", b"-Infinity"]), False),
        ("overflow", rng.choice([b"1e400", b"-1e400", b"1.8e308", b"1e99999999999999999999"]), False),
        ("lone-high-surrogate", f'"a\\u{high:04x}b"'.encode(), False),
        ("lone-low-surrogate", f'"\\u{low:04x}"'.encode(), False),
        ("reversed-surrogates", f'"\\u{low:04x}\\u{high:04x}"'.encode(), False),
        ("int-4301-digits", rng.choice(["", "-"]).encode() + long_int.encode(), False),
        # The envelope is depth 1 and body depth 2, so 63 more levels make 65.
        ("depth-65", nested(63).encode(), True),
        ("duplicate-key", b'{"k":1,"k":2}', True),
        ("invalid-utf8", b'"a' + rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
                                             b"\x80", b"\xf8\x88\x80\x80\x80", b"\xe0\x80\xaf"]) + b'b"', False),
        ("control-char", b'"a' + bytes([rng.randint(0, 0x1F)]).replace(b"\n", b"\x0b") + b'b"', False),
        ("leading-zero", rng.choice([b"01", b"-01", b"00"]), False),
        ("bad-number", rng.choice([b"+1", b".5", b"1.", b"1e", b"-", b"0x10"]), False),
        ("trailing-comma", b"[1,2,]", False),
        ("bad-escape", rng.choice([b'"\\x"', b'"\\u12g4"', b"\"\\'\""]), False),
    ]


def invalid_line(rng: random.Random) -> tuple[str, bytes, bool]:
    envelope = rand_envelope(rng)
    envelope["body"]["bad"] = PLACEHOLDER
    category, token, spec_only = rng.choice(invalid_tokens(rng))
    text = json.dumps(envelope, ensure_ascii=rng.random() < 0.5).encode("utf-8")
    return category, text.replace(f'"{PLACEHOLDER}"'.encode(), token, 1), spec_only


# ---------------------------------------------------------------- comparison


def expected_for(line: bytes, spec_only: bool):
    """('ok', canonical bytes, id) or ('error', why) as the SDK path sees the line."""
    try:
        obj = json.loads(line.decode("utf-8"))  # strict UTF-8: the spec refuses what this refuses
        canonical = canonical_json(obj).encode("utf-8")  # lone surrogates fail here
    except Exception as error:  # any failure on the SDK path means the line must be refused
        return ("error", f"{type(error).__name__}: {error}"[:160])
    if spec_only:
        return ("error", "refused by SPEC (nesting > 64 or duplicate key), accepted by the SDK")
    return ("ok", canonical, hashlib.sha256(canonical).hexdigest())


def run_spl(spl: str, lines: list[bytes]) -> list[bytes]:
    process = subprocess.run([spl, "record", "id", "--lines"], input=b"".join(line + b"\n" for line in lines),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if process.returncode != 0:
        sys.stderr.write(process.stderr.decode("utf-8", "replace")[-2000:])
        raise SystemExit(f"spl record id --lines exited with status {process.returncode}")
    return process.stdout.split(b"\n")[:-1] if process.stdout.endswith(b"\n") else process.stdout.split(b"\n")


def compare(answer: bytes, expected) -> str | None:
    """None when spl's answer matches, otherwise what differs."""
    try:
        got = json.loads(answer)
    except ValueError:
        return f"spl printed a line that is not JSON: {answer[:200]!r}"
    if expected[0] == "error":
        return None if "error" in got else f"spl accepted it (id {got.get('id')}), SDK/spec: {expected[1]}"
    if "error" in got:
        return f"spl refused it: {got['error']}"
    canonical = got.get("canonical", "").encode("utf-8", "surrogatepass")
    if canonical != expected[1]:
        at = next((i for i, (a, b) in enumerate(zip(canonical, expected[1])) if a != b),
                  min(len(canonical), len(expected[1])))
        return (f"canonical differs at byte {at}: spl …{canonical[max(0, at - 40):at + 40]!r}… "
                f"SDK …{expected[1][max(0, at - 40):at + 40]!r}…")
    if got.get("id") != expected[2]:
        return f"id differs: spl {got.get('id')} SDK {expected[2]}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spl", help="path of the spl binary")
    parser.add_argument("count", nargs="?", type=int, default=10_000, help="random envelopes (default 10000)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--invalid", type=int, default=None, help="invalid lines (default: max(300, count/25))")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    print(f"seed {seed} (rerun with --seed {seed})", flush=True)

    started = time.monotonic()
    cases: list[tuple[str, bytes, bool]] = []  # (category, line, spec_only)
    for _ in range(args.count):
        for form, line in wire_forms(rng, rand_envelope(rng)):
            cases.append((form, line, False))
    for _ in range(args.invalid if args.invalid is not None else max(300, args.count // 25)):
        cases.append(invalid_line(rng))
    rng.shuffle(cases)
    expectations = [expected_for(line, spec_only) for _, line, spec_only in cases]
    generated = time.monotonic()
    print(f"generated {len(cases)} lines from {args.count} envelopes "
          f"({sum(e[0] == 'error' for e in expectations)} to be refused) in {generated - started:.1f}s", flush=True)

    answers = run_spl(args.spl, [line for _, line, _ in cases])
    print(f"spl answered {len(answers)} lines in {time.monotonic() - generated:.1f}s", flush=True)
    if len(answers) != len(cases):
        print(f"spl printed {len(answers)} lines for {len(cases)} inputs")
        print(f"0 passed, {len(cases)} failed")
        return 1

    failures = []
    for index, ((category, line, _), expected, answer) in enumerate(zip(cases, expectations, answers)):
        difference = compare(answer, expected)
        if difference:
            failures.append((index, category, line, difference))
    print(f"compared {len(cases)} lines: {len(failures)} differences")
    for index, category, line, difference in failures[:8]:
        print(f"  line {index + 1} [{category}] {difference}")
        print(f"    input: {line[:300]!r}{'…' if len(line) > 300 else ''}")
    by_category: dict[str, int] = {}
    for _, category, _, _ in failures:
        by_category[category] = by_category.get(category, 0) + 1
    if by_category:
        print("  differences by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(by_category.items())))
    print(f"{len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
