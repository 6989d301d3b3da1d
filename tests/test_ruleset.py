"""The ruleset fingerprint resolves lexicon and model folders without importing the detectors: the same
folders as the detectors read (scanner/ruleset.py against detect/classifier.py and detect/registry.py)."""

from __future__ import annotations

import pytest

from scanner.config import parse_config
from scanner.detect.classifier import model_folder
from scanner.detect.registry import lexicon_folder
from scanner.ruleset import _lexicon_folder, _model_folder


@pytest.mark.parametrize("setting", ["", "default", "sensitivity", "no-such-model", "./models/x", "/abs/model",
                                     "sub/model", "win\\model", ".hidden"])
def test_a_model_setting_names_the_folder_the_classifier_reads(setting):
    assert _model_folder(setting) == model_folder(setting)


@pytest.mark.parametrize("text", ["", '[detect]\nlexicon_dir = "/srv/lexicons"\n', '[detect]\nlexicon_dir = "rel"\n'])
def test_the_lexicon_folder_is_the_one_the_detectors_read(text):
    config = parse_config(text)
    assert _lexicon_folder(config) == lexicon_folder(config)
