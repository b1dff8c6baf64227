"""`make bench`: run every benchmark and print its numbers (copy them into BENCHMARKS.md)."""

import sys

from bench import catalog_search, deal_throughput, ledger_throughput, matching, matching_db

if __name__ == "__main__":
    for benchmark in (deal_throughput, ledger_throughput, matching, matching_db, catalog_search):
        sys.argv = [f"bench.{benchmark.__name__.rpartition('.')[2]}"]  # each with its defaults
        benchmark.main()
