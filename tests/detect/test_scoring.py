"""The joint scorer gives each shipped model's own decision values, to the last bit, from one count."""

import numpy as np

from scanner.detect.classifier import LABELS, SENSITIVITY_LABELS, load_model, model_folder
from scanner.detect.scoring import JointScorer

from tests.detect.test_hashing import ODD, real_texts


def test_joint_decisions_are_each_models_own():
    topic = load_model(model_folder("default"), LABELS)
    sensitivity = load_model(model_folder("sensitivity"), SENSITIVITY_LABELS)
    texts = real_texts(200) + ODD
    passages = [t[s:e] for t in texts for s, e in topic.spans(t)] + ODD
    counts = topic.featurizer.hashed(passages)
    scorer = JointScorer([topic, sensitivity])
    assert scorer.table.flags.c_contiguous  # a feature's weights are one row (one gather each)
    joint = scorer.decisions(counts)
    assert np.array_equal(joint[0], topic._decision(counts, None))
    assert np.array_equal(joint[1], sensitivity._decision(counts, None))
    alone = JointScorer([sensitivity]).decisions(counts)
    assert np.array_equal(alone[0], joint[1])
    empty = topic.featurizer.hashed([])
    assert [d.shape for d in JointScorer([topic, sensitivity]).decisions(empty)] == [(0, 6), (0, 2)]


def test_max_norm_rows_too():
    from dataclasses import replace

    from scanner.detect.classifier import TopicModel
    from scanner.detect.features import Featurizer

    shipped = load_model(model_folder("default"), LABELS)
    settings = replace(shipped.featurizer.settings, norm="max")
    model = TopicModel(Featurizer(settings, shipped.featurizer.idf), shipped.coef, shipped.intercept,
                       shipped.platt, shipped.meta)
    passages = [t[s:e] for t in real_texts(60) for s, e in model.spans(t)]
    counts = model.featurizer.hashed(passages)
    assert np.array_equal(JointScorer([model]).decisions(counts)[0], model._decision(counts, None))


def test_the_first_models_alone():
    topic = load_model(model_folder("default"), LABELS)
    sensitivity = load_model(model_folder("sensitivity"), SENSITIVITY_LABELS)
    counts = topic.featurizer.hashed([t for t in real_texts(40)])
    joint = JointScorer([topic, sensitivity])
    first = joint.decisions(counts, first=1)
    assert len(first) == 1 and np.array_equal(first[0], joint.decisions(counts)[0])
