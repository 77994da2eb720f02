#!/usr/bin/python3
"""The CTest of the Ryu/os-ken switch conformance suite: runs the subset named in
known_failures.json (its deterministic part: of10 and of13 match and action; the throughput
tests, select groups and meters, left out there with their reason) through run_ryu_suite.py and
fails when

- a test fails that is not in the known-failure list (a regression, or a new test), or
- a group passes fewer tests than its floor in that file (tests that stopped running count too),
- a group of the subset did not run at all.

A known failure that passes now is printed, and does not fail the test (another change may
implement the feature); remove its entry from the list and raise the floor when that is so.

Exit codes: 0 passed, 1 failed, 77 skipped (CTest's SKIP_RETURN_CODE): not root, or the test
patterns are not beside the checkout (../shared/conformance, which is not part of the repository).
As root a missing tool is a failure, not a skip: CI runs as root with scripts/install-deps.sh's
packages, and this test must not pass there without running.

  sudo tests/conformance/test_ryu_conformance.py [--bin-dir build/bin] [--json out.json]
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_ryu_suite  # noqa: E402  (next to this file)

KNOWN = os.path.join(HERE, "known_failures.json")
SKIP = 77


def key(group, entry):
    return (group, entry["file"], entry["test"])


def check(result, known):
    """(problems, notes): why the run fails, and what it only reports."""
    problems, notes = [], []
    groups = result["groups"]
    expected = {key(k["group"], k): k["reason"] for k in known["known_failures"]}
    for group, floor in known["min_passed"].items():
        r = groups.get(group)
        if r is None:
            problems.append(f"{group}: did not run")
            continue
        if r["passed"] < floor:
            problems.append(f"{group}: {r['passed']}/{r['total']} passed, fewer than the floor "
                            f"{floor}")
        elif r["passed"] > floor:
            notes.append(f"{group}: {r['passed']} passed, above the floor {floor} "
                         "(known_failures.json may raise it)")
    for group, r in groups.items():
        for f in r["failures"]:
            if key(group, f) not in expected:
                problems.append(f"unexpected failure {group} {f['file']} | {f['test']} | "
                                f"{f['reason']}")
        for ok in r.get("ok", []):
            reason = expected.get(key(group, ok))
            if reason is not None:
                notes.append(f"known failure passes now ({reason}): {group} {ok['file']} | "
                             f"{ok['test']}")
    return problems, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", default=os.environ.get(
        "VS_BIN_DIR", os.path.join(run_ryu_suite.REPO, "build", "bin")))
    ap.add_argument("--suite", default=os.environ.get("VS_RYU_SUITE", run_ryu_suite.DEFAULT_SUITE))
    ap.add_argument("--known", default=KNOWN)
    ap.add_argument("--json", help="also write the suite's results here")
    ap.add_argument("--logs", help="keep the tester's and switches' logs in this directory")
    opts = ap.parse_args()

    if os.geteuid() != 0:
        print("SKIPPED: needs root (network namespace, veths, Open vSwitch)", flush=True)
        return SKIP
    if not os.path.isdir(opts.suite):
        # The patterns are the project's shared material beside the checkout, not part of it.
        print(f"SKIPPED: the Ryu switch test patterns are not at {opts.suite} (set VS_RYU_SUITE "
              "or --suite)", flush=True)
        return SKIP
    problem = run_ryu_suite.check_prerequisites()
    if problem is None and not os.access(os.path.join(opts.bin_dir, "vswitchd"), os.X_OK):
        problem = f"{opts.bin_dir}/vswitchd is not built"
    if problem:
        print(f"FAILED: {problem}", flush=True)
        return 1

    with open(opts.known) as f:
        known = json.load(f)
    subset = known["subset"]
    args = ["--bin-dir", opts.bin_dir, "--suite", opts.suite,
            "--versions", subset["versions"], "--groups", subset["groups"],
            "--deadline", str(subset["deadline_seconds"]),
            "--ovs-wait", str(subset["ovs_wait_seconds"])]
    for pattern in subset["exclude"]:
        args += ["--exclude", pattern]
    if opts.logs:
        args += ["--logs", opts.logs]
    print("run_ryu_suite.py " + " ".join(args), flush=True)
    for pattern, reason in subset["exclude"].items():
        print(f"excluded {pattern}: {reason}")
    result = run_ryu_suite.run_suite(run_ryu_suite.parse_args(args))
    run_ryu_suite.print_summary(result)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(result, f, indent=1)

    problems, notes = check(result, known)
    for n in notes:
        print(f"NOTE {n}")
    for p in problems:
        print(f"PROBLEM {p}")
    print(f"{'FAILED' if problems else 'PASSED'}: {len(problems)} problems, {len(notes)} notes, "
          f"{result['seconds']} s", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
