"""`make bench`: run every benchmark and print its numbers (copy them into BENCHMARKS.md)."""

import sys

from bench import deal_throughput, ledger_throughput

if __name__ == "__main__":
    for benchmark in (deal_throughput, ledger_throughput):
        sys.argv = [f"bench.{benchmark.__name__.rpartition('.')[2]}"]  # each with its defaults
        benchmark.main()
    __import__("bench.catalog_search").catalog_search.main()  # no arguments left in sys.argv: its defaults
