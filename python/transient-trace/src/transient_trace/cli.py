"""
``transient-trace-py`` (also ``python -m transient_trace``): the Python side's verifier and policy
checker, with the exit codes of the TypeScript CLI (0 ok, 1 fault, 2 usage, 3 half-written lines,
4 no trust anchor). Data goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence

from .policy.document import format_policy_problems, parse_policy_text
from .policy.to_cedar import policy_to_cedar
from .receipts.verify_dir import load_json_file, load_jwks_file, make_bundle, verify_bundle, verify_state_dir
from .receipts.verify_log import LogProblem


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="transient-trace-py", description="Verify receipt logs and check policies (Python port).")
    sub = p.add_subparsers(dest="group", required=True)
    receipts = sub.add_parser("receipts", help="receipt logs").add_subparsers(dest="command", required=True)
    v = receipts.add_parser(
        "verify",
        help="check signatures, the chain and the head checkpoint",
        description="Checks a state directory's receipt log: signatures, the hash chain and the head checkpoint. "
        "Only keys a trust anchor names are believed (--trust, TRANSIENT_TRACE_TRUSTED_KEYS, --jwks, the pin file "
        "the writers keep outside the state directory).",
        epilog="exit codes: 0 valid and anchored; 1 a fault (the first broken link is named); "
        "3 valid, with half-written lines of a killed writer; 4 valid, but no trust anchor named the keys",
    )
    v.add_argument("--state-dir", help="default: $TRANSIENT_TRACE_STATE_DIR, the config's, ~/.transient-trace")
    v.add_argument("--bundle", metavar="FILE", help="verify a bundle made by `transient-trace receipts export` instead")
    v.add_argument("--trust", action="append", default=[], metavar="KID[,KID...]", help="key ids to believe (repeatable)")
    v.add_argument("--jwks", metavar="FILE", help="a JWKS obtained another way: its keys are believed")
    v.add_argument("--json", action="store_true", help="one JSON document on stdout")
    e = receipts.add_parser("export", help="the log with its public keys, for offline verification")
    e.add_argument("--state-dir", help="default: $TRANSIENT_TRACE_STATE_DIR, the config's, ~/.transient-trace")
    e.add_argument("--out", required=True, metavar="FILE", help="where to write the bundle (- for stdout)")
    policy = sub.add_parser("policy", help="policies").add_subparsers(dest="command", required=True)
    c = policy.add_parser("check", help="validate a policy file, with line and column")
    c.add_argument("file")
    c.add_argument("--cedar", action="store_true", help="print the Cedar translation")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.group == "receipts":
        return _verify(args) if args.command == "verify" else _export(args)
    return _check(args)


def _verify(args: argparse.Namespace) -> int:
    try:
        jwks = load_jwks_file(args.jwks) if args.jwks else None
        if args.bundle:
            bundle = load_json_file(args.bundle)
            result = verify_bundle(bundle, trust=args.trust, jwks=jwks, what=os.path.abspath(args.bundle))
        else:
            result = verify_state_dir(args.state_dir, trust=args.trust, jwks=jwks)
    except (OSError, ValueError) as err:
        print(f"transient-trace-py: {err}", file=sys.stderr)
        return 1
    r = result.report
    for w in result.warnings:
        print(f"transient-trace-py: {w}", file=sys.stderr)
    if args.json:
        # The shape of `transient-trace receipts verify --json`, so one tool reads both.
        doc = {
            "version": 1,
            "target": result.log,
            "report": {
                "ok": r.ok,
                "receipts": r.receipts,
                "lastSeq": r.last_seq,
                "lastHash": r.last_hash,
                "keys": r.keys,
                "problems": [_problem(p) for p in r.problems],
                "incomplete": [_problem(p) for p in r.incomplete],
                "rejectedKeys": result.rejected,
            },
            "trust": {"anchored": result.anchored, "sources": result.sources, "kids": result.trusted},
        }
        print(json.dumps(doc))
    elif r.ok:
        print(f"ok: {r.receipts} receipts, last seq {r.last_seq}, signatures valid, chain intact, keys {', '.join(r.keys) or '(none)'}")
        for p in r.incomplete:
            print(f"incomplete: {p.message}")
    else:
        print(f"FAILED: {len(r.problems)} problem(s); the first broken link: {r.problems[0].message}")
        for p in r.problems[1:20]:
            print(f"  {p.kind}: {p.message}")
    return result.exit_code


def _export(args: argparse.Namespace) -> int:
    try:
        bundle, skipped = make_bundle(args.state_dir)
        text = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")) + "\n"
        if args.out == "-":
            sys.stdout.write(text)
        else:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(text)
    except (OSError, ValueError) as err:
        print(f"transient-trace-py: {err}", file=sys.stderr)
        return 1
    if skipped:
        print(f"warning: {skipped} half-written line(s) were left out (see receipts verify)", file=sys.stderr)
    if args.out != "-":
        kids = ", ".join(k.get("kid", "?") for k in bundle["jwks"]["keys"]) or "none"
        print(
            f"Exported {len(bundle['receipts'])} receipts to {args.out}.\nVerify elsewhere with: transient-trace receipts "
            f"verify --bundle {args.out}\nKey ids (compare them out of band): {kids}",
            file=sys.stderr,
        )
    return 0


def _problem(p: LogProblem) -> dict[str, object]:
    return {k: v for k, v in dataclasses.asdict(p).items() if v is not None}


def _check(args: argparse.Namespace) -> int:
    try:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
    except OSError as err:
        print(f"transient-trace-py: cannot read {args.file}: {err}", file=sys.stderr)
        return 1
    parsed = parse_policy_text(text)
    if not parsed.ok or parsed.policy is None:
        print(format_policy_problems(parsed.errors, args.file), file=sys.stderr)
        return 1
    if args.cedar:
        print(policy_to_cedar(parsed.policy))
    else:
        print(f"ok: {args.file}: {len(parsed.policy['rules'])} rule(s), defaultAction {parsed.policy['defaultAction']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
