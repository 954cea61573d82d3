"""``reelmind audio-eval``: word error rate of the audio stage on clips with reference transcripts."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Audio (perceive.audio) tools.", no_args_is_help=True)


@app.command("audio-eval")
def audio_eval(
    folder: Path = typer.Argument(..., help="folder with clips + a pocketsphinx-style 'transcription' file"),
    model: str = typer.Option("tiny.en", "--model", help="tiny.en | base | folder of a CTranslate2 Whisper model"),
    mode: str = typer.Option("batched", "--mode", help="batched | sequential"),
    denoise: str = typer.Option("none", "--denoise", help="none | deepfilternet"),
) -> None:
    """Transcribe every clip and print per-clip and corpus WER (total edits / reference words)."""
    import tempfile

    from reelmind.core.errors import ReelmindError

    from .evaluate import edit_distance, librivox_clips, normalize
    from .options import AudioOptions
    from .pipeline import analyze_audio

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
