"""Run the cognition stages once over a dataset (test helper; imported by name from this folder)."""

#: The cognition stages in pipeline order.
COGNITION = ("moments", "memory", "social", "personality", "scores", "report")


def run_stages(ds, options: dict | None = None, names=COGNITION) -> dict:
    """Every cognition stage once over ``ds`` with ``Stage.run`` (options: stage name -> config dict)."""
    from reelmind.core.stage import discover_stages

    stages = discover_stages()
    arts = {"dataset": ds}
    for name in names:
        st = stages[name]
        arts.update(st.run({k: arts[k] for k in (*st.inputs, *st.optional_inputs) if k in arts},
                           st.make_options((options or {}).get(name, {}))))
    return arts
