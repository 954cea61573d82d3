"""Cognition records: the algorithms' results round-trip through the core records (and Parquet);
label columns are validated against their vocabularies."""

import numpy as np
import pytest

from reelmind.core import RecordError
from reelmind.core.records import (ArcTable, ConsolidationTable, HotspotTable, MemoryTable, MigrationTable, PersonalityTable,
                                   SocialEdgeTable, TransitionTable, TrendTable)
from reelmind.cognition.tables import (arcs_from, arcs_table, check_inputs, consolidation_from, consolidation_table,
                                       hotspots_table, trends_from, trends_table)
from reelmind.cognition.types import Arc, CharacterConsolidation, Hotspot, ShiftPattern, TrendPoint, TurningPoint


def _parquet(table, tmp_path):
    table.to_parquet(tmp_path / "t.parquet")
    return type(table).read_parquet(tmp_path / "t.parquet")


def test_arcs_trends_and_consolidation_round_trip(tmp_path):
    arcs = [Arc("Ada", "VALLEY", "rule", 9, 0.5, 0.4, -0.6, 0.5,
                (TurningPoint(12.5, 3, -0.6, "valley", 1.1), TurningPoint(30.0, 7, 0.4, "peak", 1.0))),
            Arc("Ben", "FLAT", "few", 1, 0.0, 0.0, 0.0, 0.0)]
    assert arcs_from(_parquet(arcs_table(arcs), tmp_path)) == arcs
    points = [TrendPoint("Ada", 0, 1.0, "STABLE", 0.0, 0.25, 0.0, 0.2, 1), TrendPoint("Ada", 1, 2.0, "VOLATILE", 0.4, 0.2, 0.1, 0.4, 2)]
    assert trends_from(_parquet(trends_table(points), tmp_path)) == points
    spot = Hotspot("Ada", 10.0, 40.0, 3, ("neutral → angry",) * 3, "m1", "Ada: 3 sudden shifts")
    cons = [CharacterConsolidation("Ada", 8, 3, 0.375, 0.41, "neutral → angry",
                                   (ShiftPattern("Ada", "neutral → angry", "neutral", "angry", 3, ()),), (spot,), "summary", "llm")]
    back = consolidation_from(_parquet(consolidation_table(cons), tmp_path), hotspots_table(cons))
    assert back == cons


@pytest.mark.parametrize("make, field", [
    (lambda: TransitionTable(character=["A"], index=[1], time=[1.0], type=["ABRUPT"]), "type"),
    (lambda: TrendTable(character=["A"], index=[0], time=[0.0], trend=["UP"]), "trend"),
    (lambda: ArcTable(character=["A"], arc_class=["ZIGZAG"]), "arc_class"),
    (lambda: MemoryTable(id=["x"], character=["A"], time=[0.0], kind=["moment"], tier=["mid"], text=["t"]), "tier"),
    (lambda: PersonalityTable(character=["A"], trait=["X"], value=[0.5]), "trait"),
    (lambda: SocialEdgeTable(source=["A"], target=["B"], intimacy=[0.5], circle=["intimate"]), "circle"),
    (lambda: MigrationTable(time=[0.0], source=["A"], target=["B"], from_circle=["STRANGER"], to_circle=["BEST"]), "to_circle"),
])
def test_label_columns_are_validated(make, field):
    with pytest.raises(RecordError, match=rf"\.{field}: expected one of"):
        make()


def test_stage_inputs_are_checked_by_record_type():
    from reelmind.core.records import DatasetTable

    ds = DatasetTable()
    assert check_inputs("x", {"dataset": ds}, {"dataset": DatasetTable, "hotspots": HotspotTable}, ("hotspots",)) == [ds, None]
    with pytest.raises(RecordError, match="x inputs.hotspots: expected HotspotTable, got ConsolidationTable"):
        check_inputs("x", {"dataset": ds, "hotspots": ConsolidationTable()}, {"hotspots": HotspotTable})
    with pytest.raises(RecordError, match="got str"):
        check_inputs("x", {"dataset": "dataset.parquet"}, {"dataset": DatasetTable})
    assert np.asarray(check_inputs("x", {}, {"t": TrendTable}, ("t",))).tolist() == [None]
