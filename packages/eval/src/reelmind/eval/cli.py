"""``reelmind eval RUN GROUND_TRUTH`` (score a run against a ground-truth film) and ``reelmind audio-eval``
(word error rate of the audio stage on clips with reference transcripts)."""

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
    ground_truth: Path = typer.Argument(..., help="ground_truth.json (python -m reelmind.eval.groundtruth OUT)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="also write metrics + per-line details here"),
    details: bool = typer.Option(False, "--details", help="print one line per ground-truth line"),
) -> None:
    """Report WER, speaker attribution, speaking-face accuracy, listener and conflict precision/recall;
    with speaker turns in the ground truth (``turns``, or its ``lines``): DER and word-speaker accuracy."""
    from .diarization import run_speaker_metrics
    from .film import EvalResult, evaluate_run

    try:
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


if __name__ == "__main__":  # python -m reelmind.eval.cli RUN GROUND_TRUTH
    app()
