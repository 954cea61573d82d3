"""Screenplay readers and parser: Fountain, the plain-text layout, a PDF's text layer, scanned pages."""

from pathlib import Path

import pytest

from promptgen_printing import write_pdf, write_scan
from reelmind.promptgen.screenplay.layout import to_layout
from reelmind.promptgen.screenplay.match import fold
from reelmind.promptgen.screenplay.model import ScreenplayError, split_heading
from reelmind.promptgen.screenplay.parse import parse_fountain, parse_layout
from reelmind.promptgen.screenplay.readers import read_screenplay

DATA = Path(__file__).parent / "data"
GT = DATA / "groundtruth.fountain"


@pytest.fixture(scope="module")
def fountain():
    return read_screenplay(GT)


def _shape(sp):
    return [(s.scene, s.line, s.speaker, s.parenthetical and s.parenthetical.text, s.action and s.action.text)
            for s in sp.speeches]


def test_fountain_scenes_speakers_dialogue_action_environment(fountain):
    assert fountain.format == "fountain" and fountain.scene_count == 2 and len(fountain.speeches) == 11
    s = fountain.speeches
    assert [x.speaker for x in s] == ["ANN", "BEA", "ANN", "CLEO", "DAN", "BEA", "ANN", "DAN", "DAN", "BEA", "ANN"]
    assert s[5].speaker == "BEA" and s[5].text == "This is the worst day, I hate it."  # (O.S.) dropped
    assert s[6].parenthetical.text == "(shouting)" and s[6].action.text == "Ann whirls round and jabs a finger at Dan."
    h = fountain.heading(2)
    assert (h.location, h.time) == ("BACK GARDEN", "EVENING")
    assert fountain.establishing(1).text.startswith("Sunlight pours through a cracked kitchen window.")
    assert fountain.element(2, 9).kind == "dialogue" and fountain.element(2, 9).speaker == "ANN"
    assert "Title" not in " ".join(e.text for e in fountain.elements)  # the title page is not action


def test_fountain_markup_is_removed():
    text = ("Title: X\nAuthor: Y\n\n.SNOWY PASS\n\n/* an old draft\nBOB\nGone.\n*/\n# Act one\n= the pass\n\n"
            "!LOUD NOISES. Wind. [[note to self]]\n\n@McGregor\n(whispering)\n*Run*, lad!\n\n> CUT TO:\n\nINT. HUT - NIGHT #12#\n\n"
            "MCGREGOR (V.O.)\nWe made it.\n")
    sp = parse_fountain(text)
    kinds = [(e.kind, e.text) for e in sp.elements]
    assert kinds == [("heading", "SNOWY PASS"), ("action", "LOUD NOISES. Wind."), ("character", "McGregor"),
                     ("parenthetical", "(whispering)"), ("dialogue", "Run, lad!"), ("transition", "CUT TO:"),
                     ("heading", "INT. HUT - NIGHT #12#"), ("character", "MCGREGOR"), ("dialogue", "We made it.")]
    assert split_heading("INT. HUT - NIGHT #12#") == ("HUT", "NIGHT")
    assert split_heading("INT.ANN'S KITCHEN-MORNING") == ("ANN'S KITCHEN", "MORNING")


def test_plain_text_layout_round_trips(fountain, tmp_path):
    txt = tmp_path / "script.txt"
    txt.write_text(to_layout(fountain, page_lines=25), encoding="utf-8")
    back = read_screenplay(txt)
    assert back.format == "text" and back.elements == fountain.elements


def test_chinese_script_with_colon_lines():
    text = "第1场 内景 客厅 夜\n\n雨水拍打着窗户。\n\n张三：你怎么敢这样对我！\n李四：（冷笑）我偏要。\n张三：求求你，别走。\n"
    sp = parse_layout(text)
    assert [s.speaker for s in sp.speeches] == ["张三", "李四", "张三"]
    assert sp.speeches[0].text == "你怎么敢这样对我！"
    assert split_heading(sp.heading(1).element.text) == ("客厅", "夜")
    assert sp.establishing(1).text == "雨水拍打着窗户。"


def test_pdf_text_layer_reads_the_same_script(fountain, tmp_path):
    pdf = write_pdf(to_layout(fountain, page_lines=40), tmp_path / "script.pdf")
    sp = read_screenplay(pdf)
    assert sp.format == "pdf"
    assert _shape(sp) == _shape(fountain)
    assert [s.text for s in sp.speeches] == [s.text for s in fountain.speeches]


@pytest.mark.slow
def test_scanned_page_is_read_with_ocr(fountain, tmp_path):
    png = write_scan(to_layout(fountain), tmp_path / "scan.png")
    sp = read_screenplay(png)
    assert sp.format == "ocr" and sp.scene_count == 2
    assert [s.speaker for s in sp.speeches] == [s.speaker for s in fountain.speeches]
    assert [(s.scene, s.line) for s in sp.speeches] == [(s.scene, s.line) for s in fountain.speeches]
    from difflib import SequenceMatcher

    for a, b in zip(sp.speeches, fountain.speeches):
        assert SequenceMatcher(None, fold(a.text), fold(b.text)).ratio() > 0.85, (a.text, b.text)


@pytest.mark.slow
def test_pdf_of_scanned_pages_falls_back_to_ocr(fountain, tmp_path):
    from fpdf import FPDF

    first = parse_fountain(GT.read_text(encoding="utf-8").split("EXT. BACK GARDEN")[0])
    png = write_scan(to_layout(first), tmp_path / "scan.png")
    pdf = FPDF(format="letter", unit="pt")
    pdf.add_page()
    pdf.image(str(png), x=0, y=0, w=612)
    pdf.output(str(tmp_path / "scan.pdf"))
    sp = read_screenplay(tmp_path / "scan.pdf")
    assert sp.format == "ocr" and [s.speaker for s in sp.speeches] == ["ANN", "BEA", "ANN", "CLEO", "DAN"]


@pytest.mark.parametrize("content,message", [
    (b"", "is empty"),
    (b"   \n\n  ", "is empty"),
    (bytes(range(256)) * 40, "not a text, PDF or image file"),
    (b"%PDF-1.7\n garbage", "unreadable PDF"),
    (b"\x89PNG\r\n\x1a\nnot really", "cannot be decoded"),
    (b"INT. HOUSE - DAY\n\nRain falls. Nobody speaks.\n\nEXT. ROAD - NIGHT\n\nA car passes.\n", "has no dialogue (2 scenes, 2 action lines)"),
])
def test_bad_screenplays_give_one_line_errors(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(ScreenplayError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        read_screenplay(f)
    assert "\n" not in str(err.value)


def test_missing_or_folder_screenplay(tmp_path):
    with pytest.raises(ScreenplayError, match="no such file"):
        read_screenplay(tmp_path / "nope.fountain")
    with pytest.raises(ScreenplayError, match="is a folder"):
        read_screenplay(tmp_path)
