"""The linking cues are data: ``resources/linking_cues.json``, validated at start-up, each cue read once.

The loader rejects each kind of bad entry with a message that names the file, the cue id and what
to change; every cue id appears once in the file and is read by one module; each moved cue still
fires on a snippet of the wording it was written for (and stays quiet on a near miss).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

import nlp
from nlp import extract, procedure_details
from nlp.cues import CUES_FILE, default_cues, load_cues
from nlp.errors import RuleFileError
from nlp.linking import build, left_alone, not_done, tag_words
from nlp.pipeline import performed
from nlp.rulefiles import resource_path

PACKAGE = Path(nlp.__file__).resolve().parent
GOOD = {
    "version": "1",
    "fragments": {"animal": "(?:cat|dog)"},
    "cues": [
        {"id": "demo.pet", "why": "a pet is named", "pattern": r"\b{{animal}}s?\b", "flags": ["IGNORECASE"]},
        {"id": "demo.visit", "why": "a visit word", "words": ["today", r"visit\w*"]},
        {"id": "demo.count", "why": "a counted pet", "pattern": [r"(?P<n>{{number}})\s+", "pets"], "supplied": ["number"]},
    ],
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / CUES_FILE
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _with(change) -> dict:
    data = copy.deepcopy(GOOD)
    change(data)
    return data


def test_a_good_file_loads_and_compiles_its_forms(tmp_path: Path) -> None:
    cues = load_cues(_write(tmp_path, GOOD))
    assert cues.ids == ("demo.pet", "demo.visit", "demo.count")
    assert cues.regex("demo.pet").pattern == r"\b(?:cat|dog)s?\b" and cues.regex("demo.pet").flags & re.IGNORECASE
    assert cues.regex("demo.visit").pattern == r"\b(?:today|visit\w*)\b"
    assert cues.regex("demo.count", groups=("n",), number=r"\d+").search("3 pets").group("n") == "3"


# (what is wrong, the file, the id the message must name (None: the whole file), words it must say)
BAD_FILES = [
    ("bad regex", _with(lambda d: d["cues"][0].update(pattern="(unclosed")), "demo.pet", "does not compile"),
    ("bad regex in a part", _with(lambda d: d["cues"][2].update(pattern=["(?P<n>{{number}}", "[pets"])), "demo.count", "does not compile"),
    ("unknown key", _with(lambda d: d["cues"][1].update(flavour="x")), "demo.visit", "extra"),
    ("unknown top-level key", _with(lambda d: d.update(rules=[])), None, "extra"),
    ("duplicate id", _with(lambda d: d["cues"].append(dict(d["cues"][1]))), "demo.visit", "duplicate id"),
    ("no why", _with(lambda d: d["cues"][1].pop("why")), "demo.visit", "why"),
    ("empty why", _with(lambda d: d["cues"][1].update(why="")), "demo.visit", "why"),
    ("badly formed id", _with(lambda d: d["cues"][1].update(id="Visit")), "Visit", "id"),
    ("pattern and words", _with(lambda d: d["cues"][1].update(pattern="x")), "demo.visit", "exactly one"),
    ("neither pattern nor words", _with(lambda d: d["cues"][1].pop("words")), "demo.visit", "exactly one"),
    ("empty word list", _with(lambda d: d["cues"][1].update(words=[])), "demo.visit", "words"),
    ("unknown flag", _with(lambda d: d["cues"][0].update(flags=["VERBOSE"])), "demo.pet", "flags"),
    ("unknown fragment", _with(lambda d: d["cues"][0].update(pattern="{{bird}}")), "demo.pet", "neither a fragment"),
    ("supplied but unused", _with(lambda d: d["cues"][1].update(supplied=["number"])), "demo.visit", "never uses"),
    ("supplied and a fragment", _with(lambda d: d["cues"][0].update(supplied=["animal"])), "demo.pet", "also a fragment"),
    ("unused fragment", _with(lambda d: d["fragments"].update(bird="(?:owl)")), None, "no cue uses it"),
    ("fragment inside a fragment", _with(lambda d: d["fragments"].update(animal="{{animal}}")), None, "may not use another"),
    ("not JSON", "{\"version\": \"1\", \"cues\": [", None, "not valid JSON"),
]


@pytest.mark.parametrize(("data", "rule_id", "says"), [row[1:] for row in BAD_FILES], ids=[row[0] for row in BAD_FILES])
def test_loader_rejects_bad_entries_naming_file_and_id(tmp_path: Path, data: object, rule_id: str | None, says: str) -> None:
    with pytest.raises(RuleFileError) as info:
        load_cues(_write(tmp_path, data))
    message = str(info.value)
    assert CUES_FILE in message and says.lower() in message.lower(), message
    assert info.value.rule_id == rule_id
    if rule_id is not None:
        assert f"rule '{rule_id}'" in message


# What the reading code asks for that the file does not give: found when the module is imported.
CODE_NEEDS = [
    ("a named group the code reads", "demo.pet", {"groups": ("pet",)}, "no named group 'pet'"),
    ("a cue the file lacks", "demo.bird", {}, "no cue with this id"),
    ("a supplied piece the code does not pass", "demo.count", {}, "supplied"),
    ("a piece the entry does not list", "demo.visit", {"number": r"\d+"}, "supplied"),
]


@pytest.mark.parametrize(("cue_id", "asks", "says"), [row[1:] for row in CODE_NEEDS], ids=[row[0] for row in CODE_NEEDS])
def test_what_the_code_needs_is_checked_by_id(tmp_path: Path, cue_id: str, asks: dict, says: str) -> None:
    cues = load_cues(_write(tmp_path, GOOD))
    with pytest.raises(RuleFileError) as info:
        cues.regex(cue_id, **asks)
    assert info.value.rule_id == cue_id and CUES_FILE in str(info.value) and says in str(info.value)


def test_every_cue_id_appears_once_and_is_read_by_one_module() -> None:
    data = json.loads(resource_path(CUES_FILE).read_text(encoding="utf-8"))
    ids = [cue["id"] for cue in data["cues"]]
    assert len(ids) == len(set(ids))
    readers: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for cue_id in re.findall(r"\.regex\(\s*\"([a-z_.0-9]+)\"", path.read_text(encoding="utf-8")):
            readers.setdefault(cue_id, []).append(path.relative_to(PACKAGE).as_posix())
    assert sorted(readers) == sorted(ids)
    assert all(len(modules) == 1 for modules in readers.values()), readers
    assert default_cues().ids == tuple(ids)


# (cue id, the compiled pattern the code uses, invented snippet, fires?)
SNIPPETS = [
    ("performed.participle", performed._PARTICIPLE, "tags snipped", True),
    ("performed.participle", performed._PARTICIPLE, "snip the tags", False),
    ("performed.participle_after", performed._PARTICIPLE_AFTER, " applied to the wart", True),
    ("performed.participle_after", performed._PARTICIPLE_AFTER, " to the wart", False),
    ("procedure.flat_blade", build._FLAT_BLADE, "removed with a flexible razor blade", True),
    ("procedure.flat_blade", build._FLAT_BLADE, "taken off flush with the surrounding skin", True),
    ("procedure.flat_blade", build._FLAT_BLADE, "removed with a #15 blade", False),
    ("procedure.scissors", build._SCISSORS, "cut flush with iris scissors", True),
    ("procedure.scissors", build._SCISSORS, "cut flush with a curette", False),
    ("procedure.tag_instrument", tag_words._TAG_INSTRUMENT, "Clipped w/ Gradle scissors", True),
    ("procedure.tag_instrument", tag_words._TAG_INSTRUMENT, "cut off at the stalk", True),
    ("procedure.tag_instrument", tag_words._TAG_INSTRUMENT, "hair clipped, prepped and draped", False),
    ("performed.not_today_before", performed._NOT_TODAY, "These can be ", True),
    ("performed.not_today_before", performed._NOT_TODAY, "Each tag was ", False),
    ("performed.cycles_after", performed._CYCLES_AFTER, " to the wart, two freeze-thaw cycles", True),
    ("performed.cycles_after", performed._CYCLES_AFTER, " to the wart, well tolerated", False),
    ("performed.not_today_after", performed._NOT_TODAY_AFTER, " to the wart every 3 weeks", True),
    ("performed.not_today_after", performed._NOT_TODAY_AFTER, " to the wart, two cycles", False),
    ("left_alone.leave_them", left_alone._LEAVE_THEM, "she would rather leave those", True),
    ("left_alone.leave_them", left_alone._LEAVE_THEM, "they were left in place", True),
    ("left_alone.leave_them", left_alone._LEAVE_THEM, "leave the dressing on", False),
    ("left_alone.leave_cue", left_alone._LEAVE_CUE, "asked me to leave both", True),
    ("left_alone.leave_cue", left_alone._LEAVE_CUE, "left the room", False),
    ("left_alone.same_passage", left_alone._SAME_PASSAGE, " The wart bothers him. ", True),
    ("left_alone.same_passage", left_alone._SAME_PASSAGE, "\nPlan:", False),
    ("left_alone.clause_left_alone", left_alone._CLAUSE_LEFT_ALONE, "; benign, no treatment wanted.", True),
    ("left_alone.clause_left_alone", left_alone._CLAUSE_LEFT_ALONE, "; reassurance only\n", True),
    ("left_alone.clause_left_alone", left_alone._CLAUSE_LEFT_ALONE, "; no treatment of the others but the wart was frozen.", False),
    ("left_alone.line_not_done", left_alone._LINE_NOT_DONE, "Tags: she asked about removal. Not done.", True),
    ("left_alone.line_not_done", left_alone._LINE_NOT_DONE, "Tags: 12 snipped. Declined today", True),
    ("left_alone.line_not_done", left_alone._LINE_NOT_DONE, "Tags: 12 snipped with iris scissors.", False),
    ("left_alone.line_not_done", left_alone._LINE_NOT_DONE, "3. Skin tags - cosmetic; not covered. Not removed.", True),
    ("left_alone.line_not_done", left_alone._LINE_NOT_DONE, "3. Skin tags - 14 snipped.", False),
    ("left_alone.item_line", left_alone._ITEM_LINE, "2. Skin tags", True),
    ("left_alone.item_line", left_alone._ITEM_LINE, "Skin tags x2 snipped", False),
    ("left_alone.wish_in_sentence", left_alone._WISH_IN_SENTENCE, "ten more in the groin that she would like to leave alone", True),
    ("left_alone.wish_in_sentence", left_alone._WISH_IN_SENTENCE, "the ones on his back he wants to keep", True),
    ("left_alone.wish_in_sentence", left_alone._WISH_IN_SENTENCE, "the back tags will be addressed at the next visit", True),
    ("left_alone.wish_in_sentence", left_alone._WISH_IN_SENTENCE, "tags which she would like removed", False),
    ("left_alone.wish_in_sentence", left_alone._WISH_IN_SENTENCE, "keep the wound dry", False),
    ("not_done.item", not_done._NOT_DONE_ITEM, "3) Procedure not performed today.\n", True),
    ("not_done.item", not_done._NOT_DONE_ITEM, "#2 declined", True),
    ("not_done.item", not_done._NOT_DONE_ITEM, "2. Wart, not treated.\n", False),
    ("mohs.done", build.MOHS_DONE, "two Mohs layers were taken", True),
    ("mohs.done", build.MOHS_DONE, "referred for Mohs surgery", False),
    ("mohs.stage_blocks", procedure_details._STAGE_BLOCKS, "Stage II: debulked; four blocks", True),
    ("mohs.stage_blocks", procedure_details._STAGE_BLOCKS, "III - 2 sections", True),
    ("mohs.stage_blocks", procedure_details._STAGE_BLOCKS, "Stage I: 2 blocks. Stage II clear", True),
    ("mohs.stage_blocks", procedure_details._STAGE_BLOCKS, "II. Two blocks", False),
    ("mohs.stage_count", procedure_details._STAGE_COUNT, "Stages total: three", True),
    ("mohs.stage_count", procedure_details._STAGE_COUNT, "layers 5-0 nylon", False),
    ("mohs.stage_number", procedure_details._STAGE_NUMBER, "a third Mohs layer", True),
    ("mohs.stage_number", procedure_details._STAGE_NUMBER, "staged repair", False),
    ("structure.lid_margin", procedure_details._STRUCTURE["lid margin"], "a papule at the lash line", True),
    ("structure.lid_margin", procedure_details._STRUCTURE["lid margin"], "a papilloma at the grey line", True),
    ("structure.lid_margin", procedure_details._STRUCTURE["lid margin"], "on the margin of the right lower lid", True),
    ("structure.lid_margin", procedure_details._STRUCTURE["lid margin"], "excised with 2 mm margins", False),
    ("structure.tarsus", procedure_details._STRUCTURE["tarsus"], "through the tarsal plate", True),
    ("structure.tarsus", procedure_details._STRUCTURE["tarsus"], "the upper lid skin", False),
    ("structure.conjunctiva", procedure_details._STRUCTURE["conjunctiva"], "onto the palpebral conjunctiva", True),
    ("structure.conjunctiva", procedure_details._STRUCTURE["conjunctiva"], "the lower eyelid skin", False),
    ("structure.vermilion", procedure_details._STRUCTURE["vermilion"], "the lower lip vermillion", True),
    ("structure.vermilion", procedure_details._STRUCTURE["vermilion"], "the cutaneous upper lip", False),
    ("structure.mucosa", procedure_details._STRUCTURE["mucosa"], "on the inner lower lip", True),
    ("structure.mucosa", procedure_details._STRUCTURE["mucosa"], "the wet lip", True),
    ("structure.mucosa", procedure_details._STRUCTURE["mucosa"], "the outer lip", False),
    ("structure.cartilage", procedure_details._STRUCTURE["cartilage"], "down to perichondrium", True),
    ("structure.cartilage", procedure_details._STRUCTURE["cartilage"], "the helical rim", False),
    ("mohs.single_stage_blocks", procedure_details._SINGLE_STAGE_BLOCKS, "Mohs surgery, one stage, seven tissue blocks", True),
    ("mohs.single_stage_blocks", procedure_details._SINGLE_STAGE_BLOCKS, "a single Mohs layer cut into 6 blocks", True),
    ("mohs.single_stage_blocks", procedure_details._SINGLE_STAGE_BLOCKS, "two stages, seven tissue blocks", False),
    ("structure.spared", procedure_details._SPARED, "the lid margin was spared", True),
    ("structure.spared", procedure_details._SPARED, "straddling the lid margin", False),
    ("structure.landmark_before", procedure_details._LANDMARK_BEFORE, "halfway between the nostril sill and the ", True),
    ("structure.landmark_before", procedure_details._LANDMARK_BEFORE, "2 mm above the ", True),
    ("structure.landmark_before", procedure_details._LANDMARK_BEFORE, "a papule on the ", False),
    ("stay_report.own_record", extract._OWN_RECORD, "No separate procedure note was written; this summary is the record", True),
    ("stay_report.own_record", extract._OWN_RECORD, "this discharge summary serves as the documentation of the removal", True),
    ("stay_report.own_record", extract._OWN_RECORD, "see the separate procedure note for details", False),
]


@pytest.mark.parametrize(("cue_id", "regex", "snippet", "fires"), SNIPPETS, ids=[f"{r[0]}-{r[2]!r}" for r in SNIPPETS])
def test_each_moved_cue_still_fires(cue_id: str, regex: re.Pattern[str], snippet: str, fires: bool) -> None:
    from_file = default_cues().regex(cue_id, **_supplied(cue_id))
    assert (regex.pattern, regex.flags) == (from_file.pattern, from_file.flags)  # the code reads this cue
    if cue_id == "left_alone.same_passage":
        hit = regex.fullmatch(snippet)
    elif cue_id == "not_done.item":
        hit = regex.match(snippet)
    else:
        hit = regex.search(snippet)
    assert (hit is not None) == fires


def test_every_cue_has_a_snippet_that_fires() -> None:
    assert {row[0] for row in SNIPPETS if row[3]} == set(default_cues().ids)


@pytest.mark.parametrize(
    ("text", "stages", "blocks"),
    [
        ("Stage I: 3 blocks. Stage II: 1 block.", 2, (3, 1)),
        ("I: two blocks\nII: 1 block\n", 2, (2, 1)),
        ("Cleared after a third Mohs layer.", 3, ()),
        ("Mohs in two stages.", 2, ()),
        # one stage, its blocks written with no stage label
        ("Mohs micrographic surgery, one stage, seven tissue blocks.", 1, (7,)),
        ("A single Mohs stage was taken and divided into 4 blocks.", 1, (4,)),
    ],
)
def test_mohs_log_reads_stages_and_blocks_by_named_group(text: str, stages: int, blocks: tuple[int, ...]) -> None:
    assert procedure_details.mohs_details(text) == (stages, blocks)




def _supplied(cue_id: str) -> dict[str, str]:
    """The pieces the reading code passes in (:mod:`nlp.procedure_details`' number grammar)."""
    if cue_id == "mohs.stage_blocks":
        return {"count_words": "|".join(procedure_details._WORDS)}
    if cue_id == "mohs.stage_count":
        return {"number": procedure_details._NUMBER}
    return {}
