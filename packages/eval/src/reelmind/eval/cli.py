"""``reelmind eval RUN GROUND_TRUTH`` (score a run against a ground-truth film), ``reelmind audio-eval``
(word error rate of the audio stage on clips with reference transcripts), ``reelmind eval-channels``
(accuracy per emotion channel on labelled sets, or on your own TSV) and ``reelmind eval-conflicts``
(conflict precision/recall on films with planted conflicts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from reelmind.core.errors import ReelmindError

app = typer.Typer(help="Evaluate runs against ground truth.", add_completion=False, no_args_is_help=True)


@app.command("eval")
def eval_command(
    run: Path = typer.Argument(..., help="run folder with faces/utterances/dataset .parquet"),
    ground_truth: Path = typer.Argument(..., help="ground_truth.json (python -m reelmind.eval.groundtruth OUT), or "
                                       "an .rttm of speaker turns (its .stm transcript beside it is read too)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="also write metrics + per-line details here"),
    details: bool = typer.Option(False, "--details", help="print one line per ground-truth line"),
) -> None:
    """Report WER, speaker attribution, speaking-face accuracy, listener and conflict precision/recall;
    with speaker turns in the ground truth (``turns``, or its ``lines``): DER and word-speaker accuracy."""
    from .diarization import run_speaker_metrics
    from .film import EvalResult, evaluate_run

    try:
        if Path(ground_truth).suffix.lower() == ".rttm":
            from .nist import read_conversation

            stm = Path(ground_truth).with_suffix(".stm")
            truth = {"turns": read_conversation(ground_truth, stm if stm.exists() else None)}
        else:
            try:
                truth = json.loads(Path(ground_truth).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ReelmindError(f"{ground_truth}: not valid JSON ({exc})") from None
        if isinstance(truth, dict) and "lines" in truth:
            result = evaluate_run(run, ground_truth)
        else:  # a conversation's turns only (reelmind.eval.conversation): no faces to score
            result = EvalResult({}, {}, {})
        result.metrics.update(run_speaker_metrics(run, truth if isinstance(truth, dict) else {}))
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for key, value in result.metrics.items():
        typer.echo(f"{key:34s} {value}")
    typer.echo(f"{'speaker map':34s} {result.speaker_map}")
    typer.echo(f"{'person map':34s} {result.person_map}")
    if details:
        for d in result.lines:
            typer.echo(json.dumps(d, default=str))
    if json_out is not None:
        from reelmind.core.atomic import write_json

        write_json(json_out, {"metrics": result.metrics, "speaker_map": result.speaker_map,
                              "person_map": {str(k): v for k, v in result.person_map.items()}, "lines": result.lines})


@app.command("audio-eval")
def audio_eval(
    folder: Path = typer.Argument(..., help="folder with clips + a pocketsphinx-style 'transcription' file"),
    model: str = typer.Option("tiny.en", "--model", help="tiny.en | base | folder of a CTranslate2 Whisper model"),
    mode: str = typer.Option("batched", "--mode", help="batched | sequential"),
    denoise: str = typer.Option("none", "--denoise", help="none | deepfilternet"),
) -> None:
    """Transcribe every clip and print per-clip and corpus WER (total edits / reference words)."""
    import tempfile

    from .audio import librivox_clips
    from .text import edit_distance, normalize

    try:
        from reelmind.perceive.audio.options import AudioOptions
        from reelmind.perceive.audio.pipeline import analyze_audio
    except ImportError:
        typer.echo("error: the audio stage is not installed — fix: pip install 'reelmind-perceive[audio]'", err=True)
        raise typer.Exit(1) from None
    opts = AudioOptions(asr_model=model, asr_mode=mode, denoise=denoise, diarization="none",
                        text_emotion="none", speech_emotion="none")
    edits = words = 0
    try:
        clips = librivox_clips(folder)
        with tempfile.TemporaryDirectory() as tmp:
            for i, (wav, ref) in enumerate(clips):
                res = analyze_audio(wav, opts, work_dir=Path(tmp) / str(i))
                r, h = normalize(ref), normalize(" ".join(res.utterances.text))
                e = edit_distance(r, h)
                edits, words = edits + e, words + len(r)
                typer.echo(f"{wav.name}\tWER {e / max(1, len(r)):.3f}\t{' '.join(h)}")
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"corpus WER {edits / max(1, words):.4f} ({len(clips)} clips, {words} words, model {model}, {mode})")


@app.command("eval-channels")
def eval_channels(
    text: Optional[Path] = typer.Option(None, "--text", help="your own TSV with 'text' and 'label' columns (7 class "
                                        "names; English or Chinese): only the text channel is scored, on every line"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the results (with per-line predictions) here"),
    md_out: Optional[Path] = typer.Option(None, "--md", help="write the Markdown report here"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="folder for channels.json + channels.md"),
    backends: list[str] = typer.Option(["minilm-head"], "--backend", help="text backend(s): minilm-head | ensemble | "
                                       "distilroberta (repeat to compare them on the same lines)"),
    model: str = typer.Option("", "--model", help="distilroberta: folder with model.onnx + tokenizer.json + config.json"),
    split: str = typer.Option("test", "--split", help="split of the shipped text sets: test | dev | train | all"),
    channels: str = typer.Option("text,face,voice", "--channels", help="shipped sets to score: text,face,voice"),
    face_backend: str = typer.Option("fer", "--face-backend", help="fer | facex"),
) -> None:
    """Accuracy, macro-F1 and the confusion matrix per channel (text, face, voice), as JSON + Markdown."""
    from .channels import data_path, eval_faces, eval_text, eval_voice, read_text_set, text_backend, write_report

    results: dict = {"channels": {}}
    try:
        if text is not None:
            sets = [("text", str(text), read_text_set(text))]
            wanted: set[str] = set()
        else:
            wanted = {c.strip() for c in channels.split(",") if c.strip()}
            unknown = wanted - {"text", "face", "voice"}
            if unknown:
                raise typer.BadParameter(f"unknown channel(s) {sorted(unknown)}; use text, face, voice")
            sets = []
            if "text" in wanted:
                for lang in ("en", "zh"):
                    rows = read_text_set(data_path(f"text_{lang}.tsv"))
                    rows = [r for r in rows if split == "all" or r["split"] == split]
                    sets.append((f"text-{lang}", f"text_{lang}.tsv [{split}]", rows))
        for key, name, rows in sets:
            for b in backends:
                r = eval_text(rows, text_backend(b, model))
                r["set"] = name
                results["channels"][key if len(backends) == 1 else f"{key}:{b}"] = r
                typer.echo(f"{key:10s} {b:14s} n={r['n']:4d} accuracy {r['accuracy']:.3f} macro-F1 {r['macro_f1']:.3f} "
                           f"({r['ms_per_line']} ms/line)")
        if "face" in wanted:
            r = eval_faces(emotion=face_backend)
            r["set"], r["note"] = "faces.tsv", "Tiny set (every labelled face shipped offline): a smoke figure, not a benchmark."
            results["channels"]["face"] = r
            typer.echo(f"{'face':10s} {r['backend']:14s} n={r['n']:4d} accuracy {r['accuracy']:.3f} macro-F1 {r['macro_f1']:.3f}")
        if "voice" in wanted:
            r = eval_voice()
            r["set"] = "voice.tsv"
            r["note"] = ("Synthetic prosody (rate, pitch, loudness) labelled low/high arousal by construction; it measures "
                         "whether the arousal mapping follows prosody, not whether it recognises emotion.")
            results["channels"]["voice"] = r
            typer.echo(f"{'voice':10s} {'egemaps':14s} n={r['n']:4d} accuracy {r['accuracy']:.3f} macro-F1 {r['macro_f1']:.3f}")
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if out is not None:
        json_out = json_out or out / "channels.json"
        md_out = md_out or out / "channels.md"
    if text is not None and json_out is not None and len(backends) == 1:  # --text FILE --json OUT: flat result
        results = {**results["channels"]["text"], "file": str(text)}
        from reelmind.core.atomic import write_json

        write_json(json_out, results)
        if md_out is not None:
            write_report({"channels": {"text": results}}, None, md_out)
        return
    for path in write_report(results, json_out, md_out):
        typer.echo(f"wrote {path}")


@app.command("eval-conflicts")
def eval_conflicts(
    out: Path = typer.Argument(..., help="folder for the films and their runs (kept: a rerun reuses them)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write precision, recall and per-line details here"),
    no_groundtruth: bool = typer.Option(False, "--no-groundtruth", help="only the planted-conflict films"),
) -> None:
    """Conflict precision and recall through faces + audio + fuse on films with planted conflicts (minutes)."""
    from .conflicts import measure

    try:
        res = measure(out, with_groundtruth=not no_groundtruth)
    except ReelmindError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for name, m in res["films"].items():
        typer.echo(f"{name:12s} conflicts {m['conflicts_found']}/{m['conflicts_planted']} "
                   f"precision {m['conflict_precision']} recall {m['conflict_recall']} WER {m['wer']}")
    typer.echo(f"{'pooled':12s} precision {res['conflict_precision']} recall {res['conflict_recall']} "
               f"(tp {res['true_positives']}, fp {res['false_positives']}, fn {res['false_negatives']}, {res['lines']} lines)")
    typer.echo(f"rule: {res['rule']}")
    if json_out is not None:
        from reelmind.core.atomic import write_json

        write_json(json_out, res)


if __name__ == "__main__":  # python -m reelmind.eval.cli RUN GROUND_TRUTH
    app()
