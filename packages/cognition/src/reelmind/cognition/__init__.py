"""reelmind cognition: character understanding from the fused emotion dataset.

Issue 6 (bridge, arcs, mood, state machine + LSTM surprise, memory, consolidation,
reflection) and issue 7 (OCEAN, Dunbar circles, influence, scoring, reports).
Submodules import their heavy dependencies lazily; importing this package is cheap.
"""
