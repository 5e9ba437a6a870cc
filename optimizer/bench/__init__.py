"""Benchmark harness: public instance readers and a runner that feeds them through the product's models."""
