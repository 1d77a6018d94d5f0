"""Benchmarks (not part of ``make test``); ``make bench`` runs them all, see bench/README.md."""
