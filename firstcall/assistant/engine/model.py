"""The small reply model: TF-IDF over words and character n-grams with one-vs-rest logistic regression, trained
from the labelled replies kept beside this file (and an organisation's own corrected labels) in under a second.

Prediction does the same arithmetic as scikit-learn's transform and decision function, written out for one short
message, because the library's per-call checks cost more than the sums themselves (about 20 ms against 0.3 ms)."""

import csv
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from .text import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAINING_FILE = DATA_DIR / "replies_train.tsv"
TEST_FILE = DATA_DIR / "replies_test.tsv"


@dataclass(frozen=True)
class LabelledReply:
    intent: str
    language: str
    text: str


def read_labelled(path: Path) -> list[LabelledReply]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            LabelledReply(row["intent"], row["language"], row["text"])
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


class _Features:
    """One fitted TF-IDF vectoriser reduced to what scoring a single message needs."""

    def __init__(self, vectoriser: TfidfVectorizer, offset: int):
        self.analyse = vectoriser.build_analyzer()
        self.vocabulary = vectoriser.vocabulary_
        self.idf = vectoriser.idf_
        self.sublinear = vectoriser.sublinear_tf
        self.offset = offset

    def weights(self, text: str) -> dict[int, float]:
        counts = Counter(term for term in self.analyse(text) if term in self.vocabulary)
        row = {}
        for term, count in counts.items():
            column = self.vocabulary[term]
            tf = 1 + math.log(count) if self.sublinear else count
            row[column] = tf * self.idf[column]
        norm = math.sqrt(sum(value * value for value in row.values())) or 1.0
        return {self.offset + column: value / norm for column, value in row.items()}


class ReplyModel:
    def __init__(self, examples: list[tuple[str, str]]):
        texts = [normalise(text) for text, _ in examples]
        labels = [intent for _, intent in examples]
        words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[a-z0-9_'#-]+")
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        matrix = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        classifier = OneVsRestClassifier(
            LogisticRegression(C=20, solver="liblinear", class_weight="balanced")
        )
        classifier.fit(matrix, labels)
        self.intents = [str(intent) for intent in classifier.classes_]
        self._features = (_Features(words, 0), _Features(chars, len(words.vocabulary_)))
        self._coefficients = np.vstack([estimator.coef_[0] for estimator in classifier.estimators_])
        self._intercepts = np.array([estimator.intercept_[0] for estimator in classifier.estimators_])

    def probabilities(self, normalised: str) -> dict[str, float]:
        weights: dict[int, float] = {}
        for features in self._features:
            weights.update(features.weights(normalised))
        if weights:
            columns = np.fromiter(weights.keys(), dtype=np.int64)
            values = np.fromiter(weights.values(), dtype=np.float64)
            scores = self._coefficients[:, columns] @ values + self._intercepts
        else:
            scores = self._intercepts.copy()
        per_class = 1.0 / (1.0 + np.exp(-scores))
        per_class /= per_class.sum()
        return {
            intent: float(probability) for intent, probability in zip(self.intents, per_class, strict=True)
        }


def train(extra_examples: tuple[tuple[str, str], ...] = ()) -> ReplyModel:
    """A model from the shipped labelled replies plus (text, intent) pairs an organisation corrected."""
    examples = [(reply.text, reply.intent) for reply in read_labelled(TRAINING_FILE)]
    examples.extend(extra_examples)
    return ReplyModel(examples)


@lru_cache(maxsize=8)
def shared_model(extra_examples: tuple[tuple[str, str], ...] = ()) -> ReplyModel:
    return train(extra_examples)
