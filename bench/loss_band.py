"""The loss band of a metrics.csv (ganforge's or a torch_*.py --metrics-csv) over its last N iterations, as JSON."""
import argparse
import csv
import json
import os
import sys

# Found beside this file also when run with runpy (bench.ts) from another directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_common import band


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv")
    parser.add_argument("--last", type=int, default=500)
    args = parser.parse_args()
    with open(args.csv) as f:
        rows = list(csv.DictReader(f))[-args.last:]
    names = [k for k in rows[0] if k != "iteration"]
    print(json.dumps({"from": rows[0]["iteration"], "to": rows[-1]["iteration"], **{n: band([float(r[n]) for r in rows]) for n in names}}))


if __name__ == "__main__":
    main()
