"""Annotation layouts of CASME II, SAMM (header on row 13), SMIC (folders, no apex), MMEW, 4DME."""

import numpy as np
import pytest

from reelmind.core.errors import DataFileError


def _frames(folder, names):
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        cv2.imwrite(str(folder / n), np.full((8, 8), 128, np.uint8))


def test_casme2_sheet_and_frames(tmp_path):
    from reelmind.microexpr.datasets import load
    from reelmind.microexpr.xlsx import write_rows

    _frames(tmp_path / "CASME2_RAW_selected" / "sub01" / "EP02_01f", [f"img{i}.jpg" for i in range(46, 60)])
    _frames(tmp_path / "CASME2_RAW_selected" / "sub02" / "EP02_01f", [f"img{i}.jpg" for i in range(1, 20)])
    write_rows(tmp_path / "CASME2-coding-20140508.xlsx", [
        ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion"],
        ["01", "EP02_01f", 46, 51, 59, "12", "happiness"], [2, "EP02_01f", 3, 8, 15, "4+7", "Disgust"]])
    s = load(tmp_path, "casme2")
    assert [(x.subject, x.onset.name, x.apex.name, x.offset.name, x.emotion) for x in s] == [
        ("01", "img46.jpg", "img51.jpg", "img59.jpg", "happiness"), ("2", "img3.jpg", "img8.jpg", "img15.jpg", "disgust")]
    assert s[1].onset.parent.parent.name == "sub02"


def test_samm_header_on_row_13(tmp_path):
    from reelmind.microexpr.datasets import load
    from reelmind.microexpr.xlsx import write_rows

    _frames(tmp_path / "SAMM" / "006" / "006_1_2", [f"006_{i:05d}.jpg" for i in range(5562, 5570)])
    rows = [["SAMM micro-movements"]] + [[] for _ in range(11)]
    rows += [["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame", "Duration", "Type",
              "Action Units", "Notes", "Estimated Emotion", "Objective Classes"],
             ["006", "006_1_2", 1, 5562, 5566, 5569, 8, "Micro - 1/2", "R12", "", "Happiness", 1]]
    write_rows(tmp_path / "SAMM_Micro_FACS_Codes_v2.xlsx", rows)
    (s,) = load(tmp_path, "samm")
    assert (s.subject, s.apex.name, s.emotion, s.aus) == ("006", "006_05566.jpg", "happiness", "R12")


def test_smic_folders_without_apex(tmp_path):
    from reelmind.microexpr.datasets import load

    _frames(tmp_path / "HS" / "s3" / "micro" / "positive" / "s3_po_05", [f"image{i:06d}.bmp" for i in range(100, 111)])
    (s,) = load(tmp_path / "HS", "smic")
    assert (s.subject, s.emotion, s.onset.name, s.apex.name, s.offset.name) == (
        "s3", "positive", "image000100.bmp", "image000105.bmp", "image000110.bmp")


def test_mmew_and_4dme_sheets(tmp_path):
    import csv

    from reelmind.microexpr.datasets import load

    _frames(tmp_path / "MMEW" / "Micro_Expression" / "happiness" / "S01_happiness_01", [f"{i}.jpg" for i in range(1, 30)])
    with open(tmp_path / "MMEW" / "MMEW_Micro_Exp.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "AU", "Estimated Emotion"],
                                  ["S01", "S01_happiness_01", 2, 10, 25, "AU12", "happiness"]])
    assert load(tmp_path / "MMEW", "mmew")[0].apex.name == "10.jpg"
    _frames(tmp_path / "4D" / "S1" / "c1", [f"c1_{i:03d}.jpg" for i in range(1, 9)])
    with open(tmp_path / "4D" / "4DME_labels.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["Subject", "Clip", "Onset", "Apex", "Offset", "AU", "Emotion"], ["S1", "c1", 1, 4, 8, "4", "negative"]])
    assert load(tmp_path / "4D", "4dme")[0].emotion == "negative"


def test_clear_errors(tmp_path):
    from reelmind.microexpr.datasets import load
    from reelmind.microexpr.xlsx import write_rows

    with pytest.raises(DataFileError, match="no casme2 annotation sheet"):
        load(tmp_path, "casme2")
    _frames(tmp_path / "sub01" / "EP01", [f"img{i}.jpg" for i in range(1, 5)])
    write_rows(tmp_path / "CASME2-coding.xlsx", [["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame"],
                                                 ["01", "EP01", 1, 3, 9]])
    with pytest.raises(DataFileError, match="offset frame 9 of clip EP01 is missing"):
        load(tmp_path, "casme2")
    write_rows(tmp_path / "CASME2-coding.xlsx", [["Subject", "Filename", "Onset", "Apex"], ["01", "EP01", 1, 3]])
    with pytest.raises(DataFileError, match="no offset column"):
        load(tmp_path, "casme2")
    with pytest.raises(DataFileError, match="unknown layout"):
        load(tmp_path, "fer2013")
    with pytest.raises(DataFileError, match="no SMIC clips"):
        load(tmp_path, "smic")
