"""Evidence exports: the three formats, hashes, verification, redaction and escaping."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from case_demo import NASTY, NOW, traced_case

from providers.config import DEFAULT_PERSONAL_FIELDS, CaseSettings, case_settings, load_config
from providers.errors import BadData, ConfigError
from providers.records import Commit, FileChange, Person, Prediction, Source
from tui.cases.embed import embedded_text
from tui.cases.evidence import canonical_json, item_sha256
from tui.cases.exports import FORMATS, export_case
from tui.cases.model import Bookmark, Case
from tui.cases.snapshot import snapshot_of
from tui.cases.verify import verify_text
from tui.demo.workspace import DemoCase

SETTINGS = CaseSettings()
WHEN = datetime(2026, 8, 27, 14, 0, tzinfo=UTC)


def export(case: Case, fmt: str, **options: bool) -> str:
    return export_case(case, fmt, SETTINGS, exporter="modeltrail test", now=NOW, **options)


def evidence_of(text: str, fmt: str) -> dict:  # type: ignore[type-arg]
    return json.loads(text if fmt == "json" else embedded_text(text, fmt))  # type: ignore[arg-type]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": ["é", 2.5]}) == '{"a":["é",2.5],"b":1}'.encode()
    item = {"id": "x", "kind": "note", "title": "t", "data": {"text": "é"}, "sha256": "ignored"}
    body = b'{"data":{"text":"\xc3\xa9"},"id":"x","kind":"note","title":"t"}'
    assert item_sha256(item) == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_holds_the_whole_evidence_and_verifies(
    demo: tuple[Path, DemoCase], fmt: str
) -> None:
    case = traced_case(demo)
    text = export(case, fmt)
    doc = evidence_of(text, fmt)
    ids = [i["id"] for i in doc["items"]]
    assert ids[:9] == [
        "explanation",
        *(
            f"hop:{k}"
            for k in ("prediction", "deployment", "model", "run", "release", "build", "data")
        ),
        "hop:commit",
    ]
    explained = doc["items"][0]["data"]
    assert explained["lines"][0] == (
        "rejected: approval_probability 0.574 < threshold 0.62 of mortgage:4 (0.046 below)"
    )
    assert "under mortgage:3, threshold 0.5: approved" in explained["lines"]
    assert any(i.startswith("metrics:mortgage:4:") for i in ids)
    diff = next(i for i in doc["items"] if i["kind"] == "diff")
    assert diff["data"]["sha"] == demo[1].suspicious_commit
    assert any(f["diff"] and "threshold" in f["diff"] for f in diff["data"]["files"])
    hop = doc["items"][1]["data"]
    assert hop["source"]["provider"] == "local-logs" and hop["retrieved_at"] and hop["reason"]
    assert {"commit-marks", "note:1", "bookmark:1"} <= set(ids)
    assert doc["case"]["question"] == demo[1].question
    verdict = verify_text(text)
    assert verdict.ok and verdict.fmt == fmt and verdict.items == len(ids)
    if fmt != "json":  # the readable part says it too
        assert demo[1].question.split("?")[0] in text
        assert "mortgage-prod/m4" in text and "auc" in text and "the threshold change" in text
        assert "The decision explained" in text and "threshold 0.62 of mortgage:4" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_edited_item_fails_naming_it(demo: tuple[Path, DemoCase], fmt: str) -> None:
    text = export(traced_case(demo), fmt)
    # The model hop's reason is changed in the embedded evidence (the JSON itself for json).
    old = "registered 2026-08-10"
    assert old in text
    tampered = text.replace(old, "registered 2026-08-01")
    verdict = verify_text(tampered)
    assert not verdict.ok
    assert "item hop:model" in verdict.changed


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_an_edited_readable_text_fails_naming_the_item(
    demo: tuple[Path, DemoCase], fmt: str
) -> None:
    text = export(traced_case(demo), fmt)
    readable, _, evidence = text.rpartition("modeltrail-evidence")
    assert "the threshold change" in readable
    tampered = readable.replace("the threshold change", "a harmless tidy-up", 1) + (
        "modeltrail-evidence" + evidence
    )
    assert verify_text(tampered).changed == (
        "item diff:" + demo[1].suspicious_commit[:12] + " (report text)",
    )
    edited_header = (
        text.replace("| Profile | demo |", "| Profile | prod |")
        if fmt == "md"
        else (text.replace("<th>Profile</th><td>demo</td>", "<th>Profile</th><td>prod</td>"))
    )
    assert edited_header != text
    assert verify_text(edited_header).changed == ("the case header (report text)",)


def test_header_and_manifest_tampering(demo: tuple[Path, DemoCase]) -> None:
    doc = json.loads(export(traced_case(demo), "json"))
    doc["case"]["question"] = "Something else?"
    assert verify_text(json.dumps(doc)).changed == ("the case header",)
    doc = json.loads(export(traced_case(demo), "json"))
    del doc["items"][-1]
    assert verify_text(json.dumps(doc)).changed[0].startswith("the manifest")
    doc = json.loads(export(traced_case(demo), "json"))
    assert not verify_text(json.dumps(doc), expected_manifest="0" * 64).ok
    assert verify_text(json.dumps(doc), expected_manifest=doc["manifest_sha256"]).ok


def test_unreadable_reports() -> None:
    for text, message in [
        ("# just notes\n", "holds no modeltrail evidence"),
        ("{not json", "not valid JSON"),
        ('{"format": "other", "items": []}', "not a modeltrail evidence report"),
        ('{"format": "modeltrail-evidence", "format_version": 9, "items": []}', "format 9"),
    ]:
        with pytest.raises(BadData, match=message):
            verify_text(text)


def _prediction(inputs: dict) -> Prediction:  # type: ignore[type-arg]
    return Prediction(
        "r-1",
        "c-1",
        WHEN,
        "ep",
        "dep",
        "m",
        "1",
        inputs,
        {"decision": "rejected"},
        "v2",
        Source(
            "local-logs",
            "blob.jsonl:1",
            "https://acct.blob.core.windows.net/c/b?sv=1&sig=SECRETSIG",
        ),
    )


def _with_prediction(inputs: dict) -> Case:  # type: ignore[type-arg]
    pred = _prediction(inputs)
    case = Case.new("p", question="q", now=NOW)
    return case.with_bookmark(Bookmark("prediction", "c-1", "r-1", "", NOW, snapshot_of(pred)))


PERSONAL = {
    "applicant_name": "Ada Lovelace",
    "Email": "ada@example.com",
    "details": {"ssn": "078-05-1120"},
    "income": 61500,
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_personal_fields_are_masked_unless_asked_for(fmt: str) -> None:
    case = _with_prediction(PERSONAL)
    masked = export(case, fmt)
    for value in ("Ada Lovelace", "ada@example.com", "078-05-1120"):
        assert value not in masked
    assert "61500" in masked and verify_text(masked).ok
    included = export(case, fmt, include_personal_data=True)
    for value in ("Ada Lovelace", "ada@example.com", "078-05-1120"):
        assert value in included
    assert evidence_of(included, fmt)["case"]["redaction"]["personal_data_included"] is True


def test_configured_personal_fields(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[case]\npersonal_fields = ["income"]\n')
    settings = case_settings(load_config(path).case)
    assert settings.personal_fields == ("income",)
    text = export_case(_with_prediction(PERSONAL), "json", settings, now=NOW)
    assert "61500" not in text and "Ada Lovelace" in text
    assert case_settings(None).personal_fields == DEFAULT_PERSONAL_FIELDS
    path.write_text('[case]\npersonal = ["x"]\n')
    with pytest.raises(ConfigError, match="unknown key"):
        case_settings(load_config(path).case)


@pytest.mark.parametrize("fmt", FORMATS)
def test_secrets_never_appear(fmt: str) -> None:
    case = _with_prediction({"x": 1}).with_note(
        "token in https://user:hunter2@host/x and "
        "Authorization: Bearer eyJabcdefghij.klmnopqrs.tuvwxyz12",
        NOW,
    )
    text = export(case, fmt, include_personal_data=True)
    for secret in ("SECRETSIG", "hunter2", "eyJabcdefghij"):
        assert secret not in text
    assert "[secret removed]" in text and verify_text(text).ok


def _nasty_case() -> Case:
    commit = Commit(
        "a" * 40,
        ("b" * 40,),
        Person(NASTY, "x@example.com"),
        WHEN,
        Person("c", "c@example.com"),
        WHEN,
        NASTY + "\n\nbody line <img src=x onerror=alert(2)>\n```\nfenced?",
        (FileChange("f.py", None, "modified", 1, 1, False, "-a\n+<script>b()</script>\n+```\n"),),
        Source("git", "a" * 40),
    )
    case = Case.new("nasty", question=NASTY, now=NOW)
    case = case.with_bookmark(
        Bookmark("commit", commit.sha, commit.subject, NASTY, NOW, snapshot_of(commit))
    )
    return case.with_note(NASTY, NOW)


def test_html_escapes_everything_from_data() -> None:
    text = export(_nasty_case(), "html")
    body = text.split('<script type="application/json"', 1)[0]
    assert "<script" not in body and "<img" not in body and "onerror=alert(2)>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in body
    assert 'href="http://evil.example"' not in text
    assert "default-src 'none'" in text  # and no script could run anyway
    assert not re.search(r"(src|href)=\"(https?:)?//", text)  # no external asset
    assert verify_text(text).ok


def _outside_fences(markdown: str) -> str:
    """The lines of ``markdown`` outside fenced code blocks (CommonMark's closing rule)."""
    kept, fence = [], ""
    for line in markdown.split("\n"):
        run = re.match(r"^(`{3,})", line)
        if not fence and run:
            fence = run.group(1)
        elif fence and re.fullmatch(rf"`{{{len(fence)},}}\s*", line):
            fence = ""
        elif not fence:
            kept.append(line)
    return "\n".join(kept)


def test_markdown_never_interprets_data() -> None:
    text = export(_nasty_case(), "md")
    outside = _outside_fences(text)
    # Inline: every character that could start a tag, link, code span or emphasis is escaped.
    assert (
        r"\<script\>alert(1)\</script\> \[link\](http://evil.example) \`\`\` \`code\` "
        r"\*bold\* \| pipe"
    ) in outside
    assert not re.search(r"(?<!\\)[<\[]", outside)  # no tag, autolink or link from data
    # Blocks: the fences are longer than any run of backticks inside, so data cannot close them.
    assert "fenced?" not in outside and "onerror" not in outside and "b()" not in outside
    embedded = embedded_text(text, "md")
    assert embedded is not None and "<" not in embedded and "`" not in embedded
    assert verify_text(text).ok


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_model_versions_parameters_are_in_the_export(
    demo: tuple[Path, DemoCase], fmt: str
) -> None:
    text = export(traced_case(demo), fmt)
    doc = evidence_of(text, fmt)
    metrics = next(i for i in doc["items"] if i["kind"] == "metrics")
    assert metrics["data"]["parameters"]["threshold"] == "0.62"
    if fmt != "json":  # the readable part shows them too
        assert "Parameter" in text and "0.62" in text
    assert verify_text(text).ok
