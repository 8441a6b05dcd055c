"""A TFDS builder whose configuration is the ``load`` options, and the call that loads it."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from seqbook.data.sources._common import data_dir, hash_split


@dataclasses.dataclass(eq=False)
class OptionsConfig(tfds.core.BuilderConfig):
    """A builder configuration that carries the ``load`` options it was built with.

    Each distinct set of options is its own TFDS config, so ``source="en", target="fr"``
    and ``source="en", target="de"`` are cached side by side and each is built once.
    """

    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def config_name(options: Mapping[str, Any]) -> str:
    """Return a file-system-safe config name that spells the options, in sorted order.

    Example
    -------
    >>> config_name({"target": "fr", "source": "en"})
    'source=en,target=fr'
    """
    text = ",".join(f"{key}={value}" for key, value in sorted(options.items()))
    text = re.sub(r"[^A-Za-z0-9_.,=\-]", "_", text)
    if len(text) > 120:  # keep paths short: a readable prefix and a digest of the rest
        text = f"{text[:80]}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"
    return text


class PairsBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Base of the builders here: subclasses yield records, the base splits them by hash.

    A subclass sets ``VERSION``, implements ``_info`` and ``records``; ``records`` yields
    ``(unique key, split key, example)`` and every example whose split key hashes to a
    split goes there (80/10/10), so splits are deterministic and free of leaks between
    examples that share a split key.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}

    def records(self, options: Mapping[str, Any]) -> Iterable[tuple[str, str, dict]]:
        raise NotImplementedError

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # generated locally (subclasses that fetch override this)
        return self._split_records(self.records(self.builder_config.options))

    def _split_records(self, records: Iterable[tuple[str, str, dict]]):
        parts: dict[str, list[tuple[str, dict]]] = {"train": [], "validation": [], "test": []}
        for key, split_key, example in records:
            parts[hash_split(split_key)].append((key, example))
        return {name: self._generate_examples(items) for name, items in parts.items()}

    def _generate_examples(self, items: list[tuple[str, dict]]) -> Iterator[tuple[str, dict]]:
        yield from items


def load_built(
    builder_cls: type[PairsBuilder], split: str, options: Mapping[str, Any]
) -> tf.data.Dataset:
    """Build (once) and load ``split`` of ``builder_cls`` for ``options`` with ``tfds.load``.

    ``split="all"`` reads the three splits in turn.
    """
    config = OptionsConfig(
        name=config_name(options),
        options=dict(options),
        version=builder_cls.VERSION,
        description=f"seqbook options {dict(options)}",
    )
    with _build_lock(builder_cls.name), _quiet_build():
        return tfds.load(
            builder_cls.name,
            split="train+validation+test" if split == "all" else split,
            data_dir=str(data_dir()),
            builder_kwargs={"config": config},
            download=True,
            try_gcs=False,
        )


@contextlib.contextmanager
def _build_lock(name: str) -> Iterator[None]:
    """Let one process at a time build ``name`` in the shared cache; the others then read it.

    Two processes on one cache (two notebooks, or the TensorFlow and JAX test runs side by
    side) would otherwise both build the same set, and the second to finish fails to move
    its copy onto the first's. An advisory ``flock`` on a file in the cache serialises the
    builds; reading an already built set waits only while a build is in progress.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; concurrent first builds are the user's to avoid
        yield
        return
    with open(data_dir() / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _quiet_build() -> Iterator[None]:
    """Hide TFDS's first-build chatter: its stdout notes and its progress bars.

    TFDS prints "Downloading and preparing dataset ... Subsequent calls will reuse this
    data." to stdout the first time a set is built, which breaks doctests (and clutters
    chapters) on a machine with an empty cache. Errors still raise; if one does, what was
    printed goes to stderr so the failure keeps its context.
    """
    from tensorflow_datasets.core.utils import tqdm_utils

    shown = getattr(tqdm_utils, "_active", True)  # no public getter: restore what was set
    printed = io.StringIO()
    tfds.display_progress_bar(False)
    try:
        with contextlib.redirect_stdout(printed):
            yield
    except BaseException:
        sys.stderr.write(printed.getvalue())
        raise
    finally:
        tfds.display_progress_bar(shown)
