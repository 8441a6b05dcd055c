"""Loaders of the real data sets, one module per source family (imported lazily by ``load``)."""
