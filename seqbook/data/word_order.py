"""A generated task in which word order alone decides the label ("who did what to whom").

Every sentence names one person and one animal, so its bag of words never tells which of the
two acted: "the dog chases the man" and "the man chases the dog" hold the same words with
opposite labels. Passive sentences ("the man is chased by the dog") put the actor last, so a
model cannot just look at the first noun either. Synthetic by design: it isolates one
property of language for the first chapter's experiment.
"""

from __future__ import annotations

import numpy as np

PEOPLE = ("man", "woman", "child", "teacher", "doctor", "farmer", "girl", "boy", "nurse", "baker")
ANIMALS = ("dog", "cat", "horse", "goose", "bee", "snake", "fox", "bear", "wolf", "crow")
ADJECTIVES = ("big", "small", "old", "young", "angry", "quiet", "brown", "tired")
# (active form, passive participle)
VERBS = (
    ("bites", "bitten"), ("chases", "chased"), ("follows", "followed"), ("watches", "watched"),
    ("scares", "scared"), ("finds", "found"), ("ignores", "ignored"), ("pushes", "pushed"),
)
LABELS = ("person acts", "animal acts")


def _noun_phrase(noun: str, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return f"the {noun}"
    return f"the {ADJECTIVES[rng.integers(len(ADJECTIVES))]} {noun}"


def word_order_sentences(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Generate ``n`` sentences and whether the actor in each is an animal.

    Parameters
    ----------
    n : int
        Number of sentences, at least 1.
    seed : int
        Seed of the generator; the same seed gives the same sentences.

    Returns
    -------
    texts : list of str
        Lower-case sentences of 5 to 9 words.
    labels : numpy.ndarray
        int32 of shape ``[n]``: 1 when the animal acts, 0 when the person acts
        (names in :data:`LABELS`).

    Example
    -------
    >>> texts, labels = word_order_sentences(3, seed=1)
    >>> len(texts), labels.shape
    (3, (3,))
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    rng = np.random.default_rng(seed)
    texts, labels = [], np.empty(n, dtype=np.int32)
    for i in range(n):
        person = PEOPLE[rng.integers(len(PEOPLE))]
        animal = ANIMALS[rng.integers(len(ANIMALS))]
        active, participle = VERBS[rng.integers(len(VERBS))]
        animal_acts = bool(rng.integers(2))
        actor, target = (animal, person) if animal_acts else (person, animal)
        actor_phrase, target_phrase = _noun_phrase(actor, rng), _noun_phrase(target, rng)
        if rng.random() < 0.5:
            texts.append(f"{actor_phrase} {active} {target_phrase}")
        else:
            texts.append(f"{target_phrase} is {participle} by {actor_phrase}")
        labels[i] = int(animal_acts)
    return texts, labels
