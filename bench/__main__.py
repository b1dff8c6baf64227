"""`make bench`: run every benchmark and print its numbers (copy them into BENCHMARKS.md)."""

from bench import deal_throughput

if __name__ == "__main__":
    deal_throughput.main()
