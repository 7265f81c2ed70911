"""The offline analyzer: a compact linear model shipped in the package plus cue rules.

Run time needs only numpy and the standard library; ``scripts/train_analyzer.py``
rebuilds the model files in ``data/`` from AnnoMI and ``data/authored/``.
"""

from simulator.analysis.offline.analyzer import OfflineAnalyzer

__all__ = ["OfflineAnalyzer"]
