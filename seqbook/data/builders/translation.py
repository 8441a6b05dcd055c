"""TFDS builders of translation pairs: numbers in words and dates, in chosen languages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import tensorflow as tf
import tensorflow_datasets as tfds

from seqbook.data.builders._base import PairsBuilder, load_built
from seqbook.data.sources import translation
from seqbook.data.sources._common import check_int


def _pair_features() -> tfds.features.FeaturesDict:
    return tfds.features.FeaturesDict(
        {"source": tfds.features.Text(), "target": tfds.features.Text()}
    )


class SeqbookNumberTranslation(PairsBuilder):
    """Numbers written in two languages by num2words, e.g. 'seventy-one' -> 'soixante et onze'."""

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.__doc__,
            features=_pair_features(),
            supervised_keys=("source", "target"),
            homepage="https://github.com/savoirfairelinux/num2words",
        )

    def records(self, options: Mapping[str, Any]) -> Iterable[tuple[str, str, dict]]:
        for number, source, target in translation.number_pairs(**options):
            yield str(number), str(number), {"source": source, "target": target}


class SeqbookDateTranslation(PairsBuilder):
    """Dates written in two CLDR locales by Babel, e.g. '2024-03-05' -> '5 mars 2024'."""

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.__doc__,
            features=_pair_features(),
            supervised_keys=("source", "target"),
            homepage="https://babel.pocoo.org",
        )

    def records(self, options: Mapping[str, Any]) -> Iterable[tuple[str, str, dict]]:
        for iso, source, target in translation.date_pairs(**options):
            yield iso, iso, {"source": source, "target": target}


def load_number_translation(split: str, **options: Any) -> tf.data.Dataset:
    """Elements ``{"source": string [], "target": string []}`` for numbers 0..max_number."""
    check_int("max_number", options["max_number"], minimum=1, maximum=10**7)
    translation.number_pairs(**{**options, "max_number": 1})  # validate languages before building
    return load_built(SeqbookNumberTranslation, split, options)


def load_date_translation(split: str, **options: Any) -> tf.data.Dataset:
    """Elements ``{"source": string [], "target": string []}`` for every day of the years."""
    check_int("first_year", options["first_year"], minimum=1, maximum=9999)
    check_int("last_year", options["last_year"], minimum=options["first_year"], maximum=9999)
    translation.date_pairs(
        **{**options, "first_year": 2000, "last_year": 2000}
    )  # validate the rest
    return load_built(SeqbookDateTranslation, split, options)
