"""The UCI primate splice-junction sequences, read out of Debian's ``r-cran-mlbench`` package.

The data set (Towell, Noordewier and Shavlik; UCI "Molecular Biology (Splice-junction Gene
Sequences)") holds windows of 60 nucleotides of primate DNA from GenBank 64.1, each centred
on a candidate boundary between positions 30 and 31 and labelled *exon-intron* (EI, a
donor site: the intron starts with GT), *intron-exon* (IE, an acceptor site: the intron
ends with AG) or *neither* (N).

Where it comes from here: R's ``mlbench`` package ships the StatLog version of the data as
``data/DNA.rda``; Debian packages it as ``r-cran-mlbench`` (version 2.1-3-1, amd64). The
``.deb`` is fetched once with ``apt-get download`` (checksum-verified, never installed, see
:mod:`seqbook.data.sources.debian_archives`; where that build is not offered, as on other
architectures or on Ubuntu, any build of the package is fetched and ``DNA.rda`` itself must
match its checksum), ``DNA.rda`` is parsed in pure Python with the ``rdata`` package, and the
decoded sequences are cached as a small ``.npz`` file.

How ``DNA.rda`` stores the sequences (checked on the file): one R data frame of 3,186 rows
and 181 factor columns. ``V1`` .. ``V180`` hold the levels ``"0"``/``"1"``, three columns per
position (``V1``-``V3`` are position 1), and ``Class`` holds ``"ei"``, ``"ie"`` or ``"n"``
(767, 765 and 1,654 rows). Each triple is an indicator code::

    A -> 1 0 0     C -> 0 1 0     G -> 0 0 1     T -> 0 0 0

so T is the absence of the other three, and a triple with more than one 1 cannot occur (none
does). The original UCI file (3,190 rows) wrote ambiguous bases as D, N, S or R; the StatLog
version removed the 4 sequences that had any, so every one of the 180,000 triples here is
one of the four codes above and no base is ambiguous. :func:`decode_indicators` turns the
triples back into letters (and rejects any other triple); :func:`one_hot_dna` turns letters
into the usual one-hot ``[length, 4]`` columns A, C, G, T, where an unknown base ``N`` (none
in this data, common in genomes) becomes ``0.25`` in each column: a uniform guess that adds
no evidence for any base.

Split: exact duplicates are common (3,186 rows hold 3,001 distinct sequences; 310 rows are
copies, almost all EI and IE, and one sequence is labelled both N and IE). Identical
sequences are kept together, so no test sequence was seen in training. Groups of identical
sequences are shuffled within their class (the class of the group's first row) with a
fixed seed and cut 70/15/15, which keeps the class proportions of every split within a
row or two of the whole set's.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from seqbook.data.sources import debian_archives
from seqbook.data.sources._common import check_choice, data_dir, write_atomically

#: ``(package, version, file name, SHA-256)`` of the Debian package read here.
PACKAGE = ("r-cran-mlbench", "2.1-3-1", "r-cran-mlbench_2.1-3-1_amd64.deb",
           "2f1127f7b5e7d08703b13b52ef1976a0c355a7660d6ac575e29b87b13921bc06")
#: The file inside the package, and its SHA-256 (the same in every build of mlbench 2.1-3).
MEMBER = "usr/lib/R/site-library/mlbench/data/DNA.rda"
MEMBER_SHA256 = "df941ad89a49f705a29bf38e52c91dc34029539cedb13fa24f803f1224278c9e"
#: Class names in label order: 0 exon-intron (donor), 1 intron-exon (acceptor), 2 neither.
CLASSES = ("EI", "IE", "N")
#: The bases in the order of the one-hot columns.
BASES = "ACGT"
#: The StatLog indicator code of each base (three binary columns per position).
INDICATORS = {"A": (1, 0, 0), "C": (0, 1, 0), "G": (0, 0, 1), "T": (0, 0, 0)}
#: Sequence length; the candidate boundary lies between positions 30 and 31 (1-based).
SEQUENCE_LENGTH = 60
BOUNDARY = 30
SPLITS = ("train", "validation", "test", "all")
SPLIT_FRACTIONS = (0.70, 0.15, 0.15)
SPLIT_SEED = 0
_CACHE = "splice-junctions-mlbench-2.1-3.npz"
_CODES = {4: "A", 2: "C", 1: "G", 0: "T"}  # the triple read as a 3-bit number


def decode_indicators(bits: np.ndarray) -> list[str]:
    """Turn StatLog indicator triples back into DNA letters.

    Parameters
    ----------
    bits : array of 0/1, shape ``[n, 3 * length]``
        Each row is a sequence, three columns per position (A = 100, C = 010, G = 001,
        T = 000).

    Returns
    -------
    list of str
        One string of ``length`` letters per row.

    Raises
    ------
    ValueError
        When ``bits`` is not two-dimensional with a multiple of 3 columns, holds values
        other than 0 and 1, or a triple with more than one 1.

    Example
    -------
    >>> decode_indicators(np.array([[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]]))
    ['ACGT']
    """
    bits = np.asarray(bits)
    if bits.ndim != 2 or bits.shape[1] % 3:
        raise ValueError("bits must have shape [n, 3 * length], got shape "
                         f"{bits.shape}.")
    if not np.isin(bits, (0, 1)).all():
        raise ValueError("bits must hold only 0 and 1, got the values "
                         f"{sorted(set(np.unique(bits).tolist()) - {0, 1})[:5]}.")
    triples = bits.reshape(len(bits), -1, 3).astype(np.int64)
    codes = triples @ np.array([4, 2, 1])
    bad = ~np.isin(codes, list(_CODES))
    if bad.any():
        row, position = np.argwhere(bad)[0]
        raise ValueError("bits must hold one of the triples 100, 010, 001, 000 per "
                         f"position, got {triples[row, position].tolist()} at row {row}, "
                         f"position {position + 1}.")
    lookup = np.array([_CODES.get(code, "?") for code in range(8)])
    return ["".join(row) for row in lookup[codes]]


def one_hot_dna(sequences: Iterable[str] | str, length: int | None = None) -> np.ndarray:
    """One-hot encode DNA strings as ``[n, length, 4]`` float32 columns A, C, G, T.

    Lower case is accepted. ``N`` (any base) becomes ``0.25`` in each column, a uniform
    guess; every other letter (IUPAC codes such as R or S included) is refused.

    Parameters
    ----------
    sequences : str or iterable of str
        The sequences (one string is one sequence), all of the same length.
    length : int, optional
        The length every sequence must have; by default that of the first.

    Returns
    -------
    numpy.ndarray
        float32 ``[n, length, 4]``.

    Raises
    ------
    ValueError
        When a sequence holds a letter outside ACGTN, or the lengths differ.

    Example
    -------
    >>> one_hot_dna(["ACGTN"])[0]
    array([[1.  , 0.  , 0.  , 0.  ],
           [0.  , 1.  , 0.  , 0.  ],
           [0.  , 0.  , 1.  , 0.  ],
           [0.  , 0.  , 0.  , 1.  ],
           [0.25, 0.25, 0.25, 0.25]], dtype=float32)
    """
    if isinstance(sequences, str):
        sequences = [sequences]
    sequences = [s.upper() if isinstance(s, str) else s for s in sequences]
    if not sequences:
        return np.zeros((0, length or 0, 4), np.float32)
    for i, sequence in enumerate(sequences):
        if not isinstance(sequence, str):
            raise ValueError(f"sequences must be strings, got {type(sequence).__name__} "
                             f"at index {i}.")
    length = len(sequences[0]) if length is None else length
    table = np.zeros((256, 4), np.float32)
    for column, base in enumerate(BASES):
        table[ord(base), column] = 1.0
    table[ord("N")] = 0.25
    allowed = set(BASES + "N")
    encoded = np.empty((len(sequences), length, 4), np.float32)
    for i, sequence in enumerate(sequences):
        if len(sequence) != length:
            raise ValueError(f"sequences must all have length {length}, got length "
                             f"{len(sequence)} at index {i}.")
        unknown = set(sequence) - allowed
        if unknown:
            raise ValueError("sequences must hold only the letters A, C, G, T and N, got "
                             f"{sorted(unknown)} in the sequence at index {i}.")
        encoded[i] = table[np.frombuffer(sequence.encode("ascii"), np.uint8)]
    return encoded


def _member_of(deb) -> bytes | None:
    return next((blob for name, blob in debian_archives.deb_members(deb)
                 if name == MEMBER), None)


def _dna_rda() -> bytes:
    """The bytes of ``DNA.rda``, checked by its own SHA-256.

    The pinned ``.deb`` (Debian bookworm, amd64) is tried first. ``r-cran-mlbench`` holds
    compiled code, so other architectures and distributions (Ubuntu on Colab) build their
    own ``.deb`` with another checksum; then whatever ``r-cran-mlbench`` apt-get offers is
    fetched, and only its ``DNA.rda`` must match.
    """
    package, version, filename, checksum = PACKAGE
    try:
        content = _member_of(debian_archives.fetch_deb(package, version, filename, checksum))
    except RuntimeError as error:
        if shutil.which("apt-get") is None:
            raise
        content, first_error = None, error
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(["apt-get", "download", "--quiet", package], cwd=scratch,
                           capture_output=True, text=True, timeout=120, check=False)
            for deb in sorted(Path(scratch).glob("*.deb")):
                content = _member_of(deb)
        if content is None:
            raise RuntimeError(f"{first_error} No other build of {package} could be "
                               "fetched either.") from error
    if content is None or hashlib.sha256(content).hexdigest() != MEMBER_SHA256:
        raise RuntimeError(f"{package} holds no {MEMBER} with SHA-256 {MEMBER_SHA256}; "
                           f"download {filename} from https://packages.debian.org/"
                           f"{package} and put it at "
                           f"{data_dir() / 'downloads' / filename}.")
    return content


def _read_rda() -> tuple[np.ndarray, np.ndarray]:
    """Parse ``DNA.rda`` out of the ``.deb`` (fetched once): sequences and labels."""
    try:
        import rdata
    except ImportError as error:
        raise RuntimeError("Reading DNA.rda needs the 'rdata' package (pip install rdata, "
                           "or pip install 'seqbook[data]').") from error
    content = _dna_rda()
    with warnings.catch_warnings():  # "Unknown encoding. Assumed ASCII." for each factor
        warnings.simplefilter("ignore", UserWarning)
        frame = rdata.read_rda(io.BytesIO(content))["DNA"]
    columns = [f"V{i}" for i in range(1, 3 * SEQUENCE_LENGTH + 1)]
    bits = np.stack([(frame[c].astype(str) == "1").to_numpy() for c in columns], axis=1)
    sequences = np.array(decode_indicators(bits.astype(np.int8)))
    names = frame["Class"].astype(str).str.upper().to_numpy()
    labels = np.array([CLASSES.index(name) for name in names], np.int64)
    return sequences, labels


def splice_junction_records() -> tuple[np.ndarray, np.ndarray]:
    """Return every sequence and its label, in the order of ``DNA.rda``.

    The first call reads the package (fetching it once with apt-get) and caches the result
    under the data directory.

    Returns
    -------
    sequences : numpy.ndarray of str, shape ``[3186]``
        60-letter strings over A, C, G, T.
    labels : numpy.ndarray of int64, shape ``[3186]``
        0 EI, 1 IE, 2 N (:data:`CLASSES`).

    Example
    -------
    >>> sequences, labels = splice_junction_records()
    >>> len(sequences), sequences[0][:10], np.bincount(labels).tolist()
    (3186, 'CTAGGCTCCA', [767, 765, 1654])
    """
    cache = data_dir() / _CACHE
    if cache.exists():
        with np.load(cache) as stored:
            return stored["sequences"].astype(str), stored["labels"].astype(np.int64)
    sequences, labels = _read_rda()
    write_atomically(cache, lambda scratch: np.savez(scratch, sequences=sequences, labels=labels))
    return sequences, labels


def split_indices(sequences: Sequence[str], labels: Sequence[int],
                  seed: int = SPLIT_SEED) -> dict[str, np.ndarray]:
    """Stratified train/validation/test row indices that keep identical sequences together.

    Rows are grouped by sequence; each group takes the label of its first row; within each
    class the groups are shuffled with ``seed`` and cut where the running row count passes
    70 % and 85 % of the class.

    Example
    -------
    >>> sequences = ["AAAA", "AAAA"] + [f"{i:04b}" for i in range(18)]
    >>> parts = split_indices(sequences, [0] * 20)
    >>> {name: len(rows) for name, rows in parts.items()}
    {'train': 14, 'validation': 3, 'test': 3}
    >>> 0 in parts["train"] and 1 in parts["train"]  # the two copies stay together
    True
    """
    labels = np.asarray(labels)
    first: dict[str, int] = {}
    members: dict[str, list[int]] = {}
    for row, sequence in enumerate(sequences):
        first.setdefault(sequence, row)
        members.setdefault(sequence, []).append(row)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[int]] = {"train": [], "validation": [], "test": []}
    for label in np.unique(labels):
        groups = [s for s, row in first.items() if labels[row] == label]
        groups = [groups[i] for i in rng.permutation(len(groups))]
        total = sum(len(members[s]) for s in groups)
        edges = np.cumsum(SPLIT_FRACTIONS)[:2] * total
        seen = 0
        for sequence in groups:
            split = ("train" if seen < edges[0] else
                     "validation" if seen < edges[1] else "test")
            parts[split].extend(members[sequence])
            seen += len(members[sequence])
    return {name: np.sort(np.array(rows, np.int64)) for name, rows in parts.items()}


def splice_junction_arrays(split: str) -> dict[str, np.ndarray]:
    """The sequences of ``split`` as arrays: strings, one-hot inputs and labels.

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
        The fixed split (see the module docstring); ``all`` is every row in file order.

    Returns
    -------
    dict
        ``{"sequence": str [n], "one_hot": float32 [n, 60, 4], "label": int64 [n],
        "index": int64 [n]}`` (``index`` is the row in ``DNA.rda``).

    Example
    -------
    >>> test = splice_junction_arrays("test")
    >>> test["one_hot"].shape[1:], np.bincount(test["label"]).tolist()
    ((60, 4), [115, 114, 248])
    """
    check_choice("split", split, SPLITS)
    sequences, labels = splice_junction_records()
    rows = (np.arange(len(labels)) if split == "all"
            else split_indices(sequences, labels)[split])
    return {"sequence": sequences[rows], "one_hot": one_hot_dna(sequences[rows]),
            "label": labels[rows], "index": rows}


def load_splice_junctions(split: str) -> tf.data.Dataset:
    """Elements ``{"sequence": string [], "one_hot": float32 [60, 4], "label": int64 []}``.

    Example
    -------
    >>> element = next(iter(load_splice_junctions("train")))
    >>> sorted(element), element["one_hot"].shape
    (['label', 'one_hot', 'sequence'], TensorShape([60, 4]))
    """
    arrays = splice_junction_arrays(split)
    return tf.data.Dataset.from_tensor_slices({
        "sequence": arrays["sequence"].astype(object),
        "one_hot": arrays["one_hot"], "label": arrays["label"]})
