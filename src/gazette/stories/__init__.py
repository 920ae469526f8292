"""stories stage: near-duplicates, online story clustering and related articles.

Public surface: :class:`gazette.stories.index.StoryIndex` (``assign``, ``related``,
``story``, ``snapshot``/``restore``), :func:`gazette.stories.features.build_features`
and :func:`gazette.stories.cli.cluster_jsonl`. Importing this package loads no model.
"""
