"""The archive's parts that need no Ray: manifests, film ids, pool sizes, store paths, identities."""

from pathlib import Path

import numpy as np
import pytest

from reelmind.core.errors import ConfigError, DataFileError
from reelmind.core.stage import Resources


def test_manifest_header_and_rows(tmp_path):
    from reelmind.archive.films import check_manifest, normalise

    csv = tmp_path / "m.csv"
    csv.write_text("Film,Title,Year,Language\n")
    assert check_manifest(csv) == ("csv", "Film")
    (tmp_path / "bad.csv").write_text("name,year\n")
    with pytest.raises(DataFileError, match="no path column"):
        check_manifest(tmp_path / "bad.csv")
    assert check_manifest(tmp_path / "list.txt" if (tmp_path / "list.txt").write_text("a\n") else None) == ("list", "text")
    rows = normalise([{"text": "# comment"}, {"text": ""}, {"text": "a/b.mp4"}, {"text": "/abs/c.mkv"}], "text", tmp_path)
    assert [r["path"] for r in rows] == [str(tmp_path / "a/b.mp4"), "/abs/c.mkv"]
    rows = normalise([{"Film": "x.mp4", "Title": "Gone", "Year": 1939.0, "Language": None}], "Film", tmp_path)
    assert rows[0] | {} == {"path": str(tmp_path / "x.mp4"), "title": "Gone", "year": "1939", "language": "", "screenplay": ""}


def test_film_ids_are_stable_and_readable():
    from reelmind.archive.films import film_id

    assert film_id("/a/Gone With the Wind (1939).mkv", "ab" * 32) == "gone-with-the-wind-1939-abababababab"
    assert film_id("/a/x.mp4", "cd" * 32, title="Casablanca") == "casablanca-cdcdcdcdcdcd"
    assert film_id("/a/x.mp4", None) == film_id("/a/x.mp4", None) != film_id("/b/x.mp4", None)


def test_pools_fit_a_two_core_machine():
    from reelmind.archive.pools import PREPARE_CPUS, RAY_DATA_CPUS, size_pools

    res = {"faces": Resources(cpus=1), "audio": Resources(cpus=1), "fuse": Resources(cpus=1, batch_size=4)}
    pools = size_pools(res, cpus=2)
    # one actor of every stage fits at once, beside the preparation tasks and one Ray Data task
    assert sum(p.num_cpus for p in pools.values()) + PREPARE_CPUS + RAY_DATA_CPUS <= 2
    assert pools["fuse"].batch_size == 4 and all(p.min_size == 1 and p.max_size == 1 for p in pools.values())
    big = size_pools({"faces": Resources(cpus=2, gpus=1), "fuse": Resources(cpus=1)}, cpus=64, gpus=8)
    assert (big["faces"].num_cpus, big["faces"].num_gpus, big["faces"].max_size) == (2, 1.0, 8)
    assert big["fuse"].max_size == 62
    with pytest.raises(ConfigError, match="need a GPU"):
        size_pools({"faces": Resources(gpus=1)}, cpus=8, gpus=0)


def test_store_paths(tmp_path):
    from reelmind.archive.store import store_path

    assert store_path(f"file://{tmp_path}") == tmp_path
    assert store_path(tmp_path) == tmp_path
    with pytest.raises(ConfigError, match="mount"):
        store_path("s3://bucket/archive")


def _cluster(film, label, vec, pid=0, kind="face"):
    from reelmind.archive.identities import Cluster, _unit

    return Cluster(film, kind, label, pid, _unit(np.asarray(vec, np.float32)), 5)


def test_grouping_never_joins_two_persons_of_one_film():
    from reelmind.archive.identities import group

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=64), rng.normal(size=64)
    near = lambda v: v + rng.normal(scale=0.02, size=64)  # noqa: E731
    clusters = [_cluster("f1", "1", near(a), 0), _cluster("f1", "2", near(a), 1), _cluster("f2", "1", near(a), 0),
                _cluster("f3", "1", near(b), 0), _cluster("f3", "2", near(a), 1)]
    g = group(clusters, 0.05)
    assert g[0] != g[1]  # same film: kept apart even though alike
    assert len({g[i] for i in (2, 4)} | {g[0], g[1]}) == 2  # f2 and f3's 'a' join one of f1's
    assert g[3] not in {g[0], g[1], g[2], g[4]}


def _film(store, fid, persons, speakers=None, links=None):
    """A film folder with published faces (person ids, embeddings), voices and dataset."""
    from reelmind.core.records import DatasetTable, FaceTable, VoiceTable
    from reelmind.core.atomic import write_json

    folder = store / fid
    folder.mkdir(parents=True)
    write_json(folder / "film.json", {"path": f"/films/{fid}.mp4", "title": fid, "fingerprint": fid, "error": ""})
    emb = np.stack([v for v in persons.values() for _ in range(3)]).astype(np.float32)
    pid = np.repeat(np.arange(len(persons)), 3)
    FaceTable(time=np.arange(len(pid), dtype=float), box=np.zeros((len(pid), 4)), det_conf=np.ones(len(pid)),
              person_id=pid, person=np.array([list(persons)[i] for i in pid], dtype=object),
              embedding=emb).to_parquet(folder / "faces.parquet")
    if speakers:
        VoiceTable(speaker=np.array(list(speakers), dtype=object), embedding=np.stack(list(speakers.values())),
                   utterances=np.full(len(speakers), 4)).to_parquet(folder / "voices.parquet")
        spk = [s for s in speakers for _ in range(4)]
        DatasetTable(character=np.array(spk, dtype=object), dialogue=np.array(["hi"] * len(spk), dtype=object),
                     start_time=np.arange(len(spk), dtype=float), end_time=np.arange(len(spk), dtype=float) + 0.5,
                     speaker_id=np.array(spk, dtype=object),
                     person_id=np.array([(links or {}).get(s, -1) for s in spk], np.int64)).to_parquet(folder / "dataset.parquet")


def test_same_actor_in_three_films_one_archive_id_names_given_once(tmp_path):
    from reelmind.archive.identities import REFERENCE_FILE, build_identities, give_names, with_archive_names
    from reelmind.archive.store import ArchiveStore
    from reelmind.core.config import RunConfig

    rng = np.random.default_rng(1)
    ann, bea, cleo, narrator = (rng.normal(size=128).astype(np.float32) for _ in range(4))
    jit = lambda v: (v + rng.normal(scale=0.01, size=v.size)).astype(np.float32)  # noqa: E731
    store = ArchiveStore(tmp_path / "store")
    _film(store.root, "one", {"ann": jit(ann), "bea": jit(bea)}, {"S0": jit(ann) / 9, "S1": jit(narrator)}, {"S0": 0})
    _film(store.root, "two", {"cleo": jit(cleo), "ann": jit(ann)})
    _film(store.root, "three", {"ann": jit(ann)}, {"SPK": jit(narrator)})
    table = build_identities(store)
    ids = {(f, k, lab): a for a, f, k, lab in zip(table.archive_id, table.film, table.kind, table.label)}
    assert ids[("one", "face", "ann")] == ids[("two", "face", "ann")] == ids[("three", "face", "ann")]
    assert len({ids[("one", "face", "bea")], ids[("two", "face", "cleo")], ids[("one", "face", "ann")]}) == 3
    assert ids[("one", "voice", "S0")] == ids[("one", "face", "ann")]  # the speaker whose face speaks
    # an unseen narrator: one voice-only id across the two films it speaks in
    assert ids[("three", "voice", "SPK")] == ids[("one", "voice", "S1")] and ids[("one", "voice", "S1")].startswith("V")
    # names given once apply everywhere, and ids survive a rebuild with a new film
    ann_id = ids[("one", "face", "ann")]
    named = give_names(store, {ann_id: "Ann"})
    assert {n for n, a in zip(named.name, named.archive_id) if a == ann_id} == {"Ann"}
    _film(store.root, "four", {"ann": jit(ann)})
    again = build_identities(store)
    assert {a for a, f, lab in zip(again.archive_id, again.film, again.label) if lab == "ann"} == {ann_id}
    assert {n for n, lab in zip(again.name, again.label) if lab == "ann"} == {"Ann"}
    with np.load(store.folder / REFERENCE_FILE) as z:
        assert set(z["names"]) == {"Ann"} and len(z["names"]) == 4
    with pytest.raises(DataFileError, match="unknown archive id"):
        give_names(store, {"A9999": "Nobody"})
    from reelmind.core.stage import discover_stages

    cfg = with_archive_names(RunConfig(), discover_stages(), store)
    assert cfg.stages[next(iter(cfg.stages))]["reference_db"] == str(store.folder / REFERENCE_FILE)


def test_voice_profiles_embed_in_batches_like_one_by_one():
    """profiles() sends utterances to the embedder in batches (any SpeakerEmbedder: only
    ``embed_batch`` is required) and gives the same per-speaker means as one call per utterance."""
    from reelmind.archive.voices import profiles
    from reelmind.core.records import UtteranceTable

    rng = np.random.default_rng(0)
    sr = 100
    samples = rng.normal(size=60 * sr).astype(np.float32)
    starts = np.arange(0.0, 55.0, 5.0)
    utt = UtteranceTable(start=starts, end=starts + np.r_[0.2, np.full(len(starts) - 1, 4.0)],
                         speaker=np.array(["A", "B", "A", "", "C", "B", "A", "C", "B", "A", "A"], dtype=object),
                         text=np.array(["x"] * len(starts), dtype=object))
    calls = []

    def embed_batch(clips):
        calls.append(len(clips))
        return np.stack([[c.mean(), c.std(), np.abs(c).max()] for c in clips])

    one = profiles(utt, samples, lambda clips: np.concatenate([embed_batch([c]) for c in clips]), sr, 0.3)
    calls.clear()
    many = profiles(utt, samples, embed_batch, sr, 0.3, batch=4)
    assert calls == [4, 4, 1]  # 9 utterances: no speaker and too short are left out
    assert list(many.speaker) == ["A", "B", "C"] and list(many.utterances) == [4, 3, 2]
    np.testing.assert_array_equal(one.embedding, many.embedding)
