"""reelmind cognition: character understanding from the fused emotion dataset, as six stages.

``moments`` (bridge, arcs, mood, state machine + LSTM surprise, short-term trends), ``memory``
(memory tiers, consolidation hotspots, reflection; ChromaDB written from the records), ``social``
(Dunbar circles, migrations, influence), ``personality`` (OCEAN), ``scores`` (6 dimensions, FER
tier) and ``report`` (md / json / html / zh from the records). Every result is a record of
:mod:`reelmind.core.records.cognition`. Submodules import their heavy dependencies lazily;
importing this package is cheap.
"""
