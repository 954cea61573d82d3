"""reelmind.eval: ground truth and measurement, kept out of the analysis packages.

* :mod:`.groundtruth` builds a short film with exact ground truth from real photos and flite voices;
  :mod:`.synth` speaks scripts with known timing.
* :mod:`.film` scores a run (WER, speakers, speaking face, listeners, conflicts); :mod:`.audio`
  scores the audio stage (word times, speakers, LibriVox clips); :mod:`.text` is the one WER.
* :mod:`.render_check` checks that an HTML report renders in headless Chromium.
* :mod:`.channels` scores each emotion channel on the labelled sets in ``data/`` (text en/zh, faces,
  synthetic-prosody voice); :mod:`.conflicts` builds films with planted conflicts and measures
  conflict precision/recall through the real stages.
* ``reelmind eval``, ``audio-eval``, ``eval-channels``, ``eval-conflicts`` (:mod:`.cli`).
"""
