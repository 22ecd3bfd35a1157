"""redact_text's quick check (one search that says "nothing here can be a secret", and the strings it
found clean remembered) changes no answer: on random texts built from secret shapes, sensitive
names in any case, separators and URLs, it answers what every rule run in full answers; and
scrub_secrets, which skips the call for plain values, answers what the rules applied to each value do.
The shared vectors (test_vectors.py) run through the quick check too."""

from __future__ import annotations

import random
import string

from trusera_sdk.redact import REDACTED, is_sensitive_name, redact_text, scrub_secrets
from trusera_sdk.redact.text import redact_text_rules

PIECES = [
    "sk-proj-a1B2c3D4e5F6g7H8i9J0",
    "sk-ant-" + "q" * 20,
    "tsk_" + "Z9" * 10,
    "AKIAABCDEFGHIJKLMNOP",
    "ghp_" + "a1" * 18,
    "github_pat_" + "B2" * 16,
    "xoxb-1234567890-abc",
    "AIza" + "S" * 35,
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJlMTIz",
    "Bearer abcdefgh.ijkl",
    "basic dXNlcjpwYXNzd29yZA==",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AbCdEfGhIj0123456789/LmNoPqRsTuVwXyZ+abc",  # an AWS key shape without a keyword in it
    "0123456789abcdef0123456789abcdef01234567",
    "https://user:hunter2@host.example/p",
    "http://127.0.0.1:8080/v1/models",
]
NAMES = ["token", "ToKeN", "api_key", "API-KEY", "password", "Passwd", "pwd", "secret", "aws", "AWS_SECRET_ACCESS_KEY",
         "session", "session_id", "auth", "Authorization", "cookie", "credential", "signature", "max_tokens", "author",
         "keys", "monkey", "q", "user"]
SEPARATORS = ["=", ": ", " ", "\t", "&", "?", "//", "@", "://", '"', "'", ",", ";", "\n", "  =  ", ":"]


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        if r < 0.25:
            parts.append(rng.choice(PIECES))
        elif r < 0.5:
            parts.append(rng.choice(NAMES))
        elif r < 0.75:
            parts.append(rng.choice(SEPARATORS))
        else:
            alphabet = string.ascii_letters + string.digits + "+/=_-.~é\u2028 "
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 45))))
    return "".join(parts)


def test_quick_check_answers_as_the_full_rules_on_random_texts():
    rng = random.Random(1015)
    changed = 0
    for _ in range(20_000):
        text = _text(rng)
        want = redact_text_rules(text)
        assert redact_text(text) == want, text
        assert redact_text(text) == want, text  # again: a clean text is remembered
        changed += want != text
    assert changed > 5_000  # the texts held secrets often enough to tell


def _value(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth < 3 and r < 0.2:
        return {rng.choice(NAMES + ["query", "url", "n"]): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 3 and r < 0.3:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([_text(rng), rng.randint(-5, 5), 1.5, True, None, "", (1, "sk-proj-" + "x" * 20)])


def _oracle(value, key=None):
    if key is not None and is_sensitive_name(key) and value not in (None, "") and value != {} and value != [] and value != ():
        return REDACTED
    if isinstance(value, str):
        return redact_text_rules(value)
    if isinstance(value, dict):
        return {k: _oracle(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        out = [_oracle(v) for v in value]
        return out if any(a is not b for a, b in zip(out, value)) else value
    return value


def test_scrub_answers_as_the_rules_applied_to_each_value():
    rng = random.Random(2015)
    for _ in range(3_000):
        value = {k: _value(rng) for k in rng.sample(NAMES + ["query", "url", "n", "count"], rng.randint(1, 6))}
        assert scrub_secrets(value) == _oracle(value), value
