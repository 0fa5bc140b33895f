"""Sentence meaning as a vector: WordLlama's bundled 256-dimension model (MIT licence), read from
the files the package installs, on the CPU. Nothing is downloaded: the loader is given the
weights and the tokenizer by path (the package's own loader looks for the tokenizer under
another folder name and then asks the network for it), and Hugging Face's client is told to
stay offline before the package is imported."""

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = ("weights", "l2_supercat_256.safetensors")
TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


@lru_cache(maxsize=1)
def model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import wordllama
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = Path(wordllama.__file__).resolve().parent
    tokenizer = Tokenizer.from_file(str(root.joinpath(*TOKENIZER)))
    with safe_open(str(root.joinpath(*WEIGHTS)), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, tokenizer, binary=False)


def vectors(texts, batch=2000):
    """Unit vectors of the texts' meaning (rows), float32."""
    texts = [text or "" for text in texts]
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    parts = [
        np.asarray(model().embed(texts[i : i + batch], norm=True), dtype=np.float32)
        for i in range(0, len(texts), batch)
    ]
    return np.vstack(parts)
