"""Decision values of several classifier models that read text alike (the topic and the sensitivity
model), from one hashed count of the passages: each count's weights and idf of every model are gathered
in one row of one table, then summed per passage exactly as Featurizer.scores does."""

from __future__ import annotations

import numpy as np

from scanner.detect.features import HashedCounts
from scanner.detect.ngram_counts import run_starts


class JointScorer:
    """Featurizer.scores + intercept of each model, in float64, with the same operations in the same
    order (so the same values); the models share feature settings and have no lexicon columns."""

    def __init__(self, models: list):
        settings = models[0].featurizer.settings
        if any(m.featurizer.settings != settings or m.featurizer.settings.lexicon_scale for m in models):
            raise ValueError("a joint scorer needs models with the same feature settings and no lexicon columns")
        self.norm = settings.norm
        self.intercepts = [m.intercept for m in models]
        # Per model: its label columns, then its idf; float32 as the models store them.
        self.columns = []
        lines, at = [], 0
        for model in models:
            self.columns.append((at, at + model.coef.shape[0]))
            lines += [model.coef.T, model.featurizer.idf[:, None]]
            at += model.coef.shape[0] + 1
        # Row-major (a feature's weights side by side, gathered as one row): concatenating the
        # transposed coef alone would give a column-major table.
        self.table = np.concatenate(lines, axis=1, out=np.empty((settings.width, at), dtype=np.float32))

    def decisions(self, counts: HashedCounts, first: int | None = None) -> list[np.ndarray]:
        """Each model's decision values (counts.n × its labels); only the `first` models' if given."""
        columns = self.columns[:first]
        if counts.n == 0:
            return [np.zeros((0, hi - lo)) for lo, hi in columns]
        out = [np.zeros((counts.n, hi - lo)) for lo, hi in columns]
        if len(counts.tf):
            # Each count's table row, turned into one contiguous float64 line per column: the
            # products below are the float32 weight times a float64 as before, in long loops.
            last = columns[-1][1] + 1  # the columns of the models asked for
            gathered = self.table.take(counts.buckets, axis=0)[:, :last].T.astype(np.float64, order="C")
            firsts = run_starts(counts.rows)
            present = counts.rows[firsts]
            for (lo, hi), scores in zip(columns, out):
                values = gathered[hi]
                values *= counts.tf  # tf × idf
                if self.norm == "max":
                    norms = np.maximum.reduceat(np.abs(values), firsts)
                else:
                    norms = np.sqrt(np.add.reduceat(values * values, firsts))
                norms[norms == 0] = 1.0
                weighted = gathered[lo:hi]
                weighted *= values
                # Summed along each row's run as reduceat over axis 0 of (counts × labels) sums them
                # (the same pairwise order, so the same bits).
                sums = np.add.reduceat(weighted, firsts, axis=1)
                sums /= norms
                scores[present] = sums.T
        return [scores + intercept for scores, intercept in zip(out, self.intercepts)]
