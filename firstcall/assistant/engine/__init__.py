"""The reply-reading engine: pure Python (no Django), offline, deterministic for a given training set."""

from .intents import INTENTS
from .model import ReplyModel, read_labelled, train
from .reading import ReplyReading, Revocation, read_reply

__all__ = ["INTENTS", "ReplyModel", "ReplyReading", "Revocation", "read_labelled", "read_reply", "train"]
