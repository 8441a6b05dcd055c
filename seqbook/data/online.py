"""Online data sets through ``tfds.load``, failing fast (not after minutes) with no network.

A bare ``tfds.load`` of a data set that is not yet on disk retries its downloads for
minutes when the network is down. ``load_online`` first looks for the prepared data in
``SEQBOOK_DATA_DIR``; only when it must download does it probe the network with a short
timeout, and without one it raises a ``ConnectionError`` naming the offline data set to use
instead.
"""

from __future__ import annotations

import socket
import threading

import tensorflow as tf

from seqbook.data.sources._common import data_dir

#: Where the probe connects: TFDS fetches most data through Google's storage front end.
PROBE_ADDRESS = ("storage.googleapis.com", 443)


def network_available(address: tuple[str, int] | None = None, timeout: float = 3.0) -> bool:
    """Return whether a TCP connection to ``address`` opens within ``timeout`` seconds.

    The name lookup and the connection run in a daemon thread, so a resolver that hangs
    cannot hold the caller past ``timeout`` either.

    Example
    -------
    >>> network_available(("127.0.0.1", 9), timeout=1.0)  # nothing listens on port 9
    False
    """
    host, port = address or PROBE_ADDRESS
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def load_online(tfds_name: str, split: str, alternative: str) -> tf.data.Dataset:
    """Load ``split`` of the TFDS data set ``tfds_name`` into ``SEQBOOK_DATA_DIR``.

    Raises
    ------
    ConnectionError
        Within a few seconds, when the data is not on disk and the network is unreachable;
        the message names ``alternative``, an offline data set for the same task.
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder(tfds_name, data_dir=str(data_dir()))
    if not builder.is_prepared() and not network_available():
        raise ConnectionError(
            f"{tfds_name!r} must be downloaded by TensorFlow Datasets, and the network is "
            f"unreachable. Use the offline data set {alternative!r} instead: "
            f"seqbook.data.load({alternative!r})."
        )
    return tfds.load(tfds_name, split=split, data_dir=str(data_dir()), try_gcs=False)


def load_imdb_reviews(split: str) -> tf.data.Dataset:
    """IMDB movie reviews: ``{"text": string [], "label": int64 []}`` (1 = positive)."""
    return load_online("imdb_reviews", split, "sentiment_snippets")


def load_ted_hrlr_translate(split: str, pair: str) -> tf.data.Dataset:
    """TED talk translations, e.g. ``pair="pt_to_en"``: ``{"pt": string [], "en": string []}``."""
    import tensorflow_datasets as tfds

    pairs = sorted(config.name for config in tfds.builder_cls("ted_hrlr_translate").BUILDER_CONFIGS)
    if pair not in pairs:
        raise ValueError(f"pair must be one of {pairs}, got {pair!r}.")
    return load_online(f"ted_hrlr_translate/{pair}", split, "number_translation")


def load_speech_commands(split: str) -> tf.data.Dataset:
    """Speech Commands v0.02: ``{"audio": int16 [16000], "label": int64 []}`` at 16 kHz."""
    return load_online("speech_commands", split, "spoken_digits")


def load_tiny_shakespeare(split: str) -> tf.data.Dataset:
    """Tiny Shakespeare: one element per split, ``{"text": string []}``."""
    return load_online("tiny_shakespeare", split, "shakespeare")
