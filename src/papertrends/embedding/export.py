"""ONNX files of a sentence-transformers model, exported once per machine in a process of their own.

`onnx_model(source, kind)` returns the file, exporting it on first use: `python -m papertrends.embedding.export
SRC DST [fp32|int8]` runs in a subprocess, so torch (needed only to trace the model) never sits in a run's memory.
The recipe:

- trace the transformer with eager attention: the default SDPA path exports a mask built from `Where`/`IsNaN`
  nodes that take a large share of ONNX Runtime's inference time;
- for `int8`, quantise the MatMuls with a constant weight, dynamically (activations quantised per batch) and per
  output channel (per-tensor weights move the vectors much further from fp32's), all but the feed-forward output
  projections: their inputs, after GELU, hold the few large activations that one int8 scale per batch cannot
  keep. Quantising them too moves the vectors further from fp32's and the topics under issue 11's ARI bar; keeping
  them in fp32 holds both, for some of the speed.

`int8-static` is an OpenVINO model quantised statically with NNCF (post-training quantisation for transformers:
int8 weights and activations in every MatMul, attention's included, with SmoothQuant and bias correction),
calibrated on the 200 shipped abstracts in `calibration.jsonl.gz`, one text per batch, so it is the same model on
every machine. Its vectors fall under the bar at which two runtimes share a cache; it runs where OpenVINO runs,
with VNNI or AMX doing the int8 arithmetic natively.

`int8-weights` is the fp32 graph with every MatMul's constant weights stored as int8, per output channel and
asymmetric (NNCF's weight compression), as OpenVINO IR. OpenVINO's CPU plugin then quantises the activations
while it runs (`embedding.encoders`: groups of values per token, each with its own scale), so the int8 matmuls
see each paper's own ranges: nothing is calibrated, and the rounding is not the same in every paper as the
static model's is. Its vectors stay within the bar at which two runtimes share a cache.

The output is the last hidden state; pooling and normalisation happen in numpy (`embedding.encoders`). What each
recipe does to the vectors, the topics and the speed, and how long an export takes, is in docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from papertrends.embedding.hardware import import_openvino
from papertrends.embedding.models import EmbeddingError, cache_dir

log = logging.getLogger(__name__)

# the feed-forward block's output projection (`layer.N/output/dense`, not `attention/output/dense`)
FFN_OUTPUT = re.compile(r"layer\.\d+/output/dense/")
RECIPE = {
    "fp32": "eager-opset17-v1",
    "int8": "eager-opset17-dyn-int8-per-channel-ffn-out-fp32-v2",
    "int8-static": "eager-opset17-nncf-ptq-transformer-mixed-cal200-v1",
    "int8-weights": "eager-opset17-nncf-int8-asym-weights-v1",
}
# the OpenVINO models are IR (.xml + .bin)
SUFFIX = {"fp32": ".onnx", "int8": ".onnx", "int8-static": ".xml", "int8-weights": ".xml"}
CALIBRATION = Path(__file__).with_name("calibration.jsonl.gz")


def onnx_model(source: Path, kind: str) -> Path:
    """The model file (`fp32` or `int8` ONNX, `int8-static` or `int8-weights` OpenVINO IR) for a model folder,
    exported on first use (in a subprocess, once per machine) and reused after."""
    weights = sorted(source.glob("*.safetensors")) or sorted(source.glob("*.bin"))
    files = [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
    stamp = "|".join([RECIPE[kind], str(source.resolve()), *files])
    target = cache_dir() / "onnx" / f"{kind}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}{SUFFIX[kind]}"
    if not target.exists():
        log.info("exporting %s to %s ONNX at %s (once per machine)", source, kind, target)
        done = subprocess.run(
            [sys.executable, "-m", "papertrends.embedding.export", str(source), str(target), kind],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not target.exists():
            why = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise EmbeddingError(
                f"could not export {source} to ONNX ({why}): "
                'set [embedding] backend = "st-fp32" to embed with sentence-transformers instead'
            )
    return target


def export(source: Path, target: Path, kind: str = "fp32") -> None:
    """Trace the model to ONNX (and quantise it for `int8`); written to a temporary name, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        trace(source, fp32)
        if kind == "fp32":
            os.replace(fp32, target)
            return
        if kind == "int8-static":
            quantise_static(source, fp32, target)
            return
        if kind == "int8-weights":
            int8_weights(fp32, target)
            return
        int8 = Path(tmp) / "int8.onnx"
        quantise_dynamic(fp32, int8)
        os.replace(int8, target)


def trace(source: Path, fp32: Path) -> None:
    """The model's transformer, with eager attention, traced to an fp32 ONNX graph whose output is the last hidden
    state, with the batch and the token count left free."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = tokenizer(["a short one", "and a somewhat longer second sentence"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model),
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )


def quantise_dynamic(fp32: Path, int8: Path) -> None:
    """ONNX Runtime's dynamic int8 quantisation of the fp32 graph, per output channel, every MatMul with a constant
    weight but the feed-forward output projections (which stay fp32)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    ffn_out = [n.name for n in graph.node if n.op_type == "MatMul" and FFN_OUTPUT.search(n.name)]
    if not ffn_out:
        raise EmbeddingError(f"no feed-forward output MatMul found in {fp32}: the export's node names changed")
    quantize_dynamic(
        str(fp32),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=ffn_out,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT, "MatMulConstBOnly": True},
    )


def calibration_feeds(source: Path, max_length: int = 256) -> list[dict[str, object]]:
    """The shipped calibration abstracts as the runtime tokenises them, one text per feed (no padding)."""
    import gzip
    import json

    import numpy as np
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    with gzip.open(CALIBRATION, "rt", encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    feeds = []
    for text in texts:
        encoded = tokenizer.encode(text)
        ids = np.array([encoded.ids], dtype=np.int64)
        feeds.append({"input_ids": ids, "attention_mask": np.array([encoded.attention_mask], dtype=np.int64),
                      "token_type_ids": np.zeros_like(ids)})  # fmt: skip
    return feeds


def quantise_static(source: Path, fp32: Path, target: Path) -> None:
    """NNCF's post-training quantisation of the fp32 ONNX graph, saved as OpenVINO IR beside `target`."""
    import nncf

    ov = import_openvino()
    feeds = calibration_feeds(source)
    quantised = nncf.quantize(
        ov.Core().read_model(str(fp32)),
        nncf.Dataset(feeds),
        model_type=nncf.ModelType.TRANSFORMER,
        preset=nncf.QuantizationPreset.MIXED,
        subset_size=len(feeds),
    )
    save_ir(quantised, fp32.with_name("int8-static.xml"), target)


def int8_weights(fp32: Path, target: Path) -> None:
    """NNCF's int8 weight compression (per output channel, asymmetric) of the fp32 ONNX graph, saved as IR."""
    import nncf

    ov = import_openvino()
    compressed = nncf.compress_weights(ov.Core().read_model(str(fp32)), mode=nncf.CompressWeightsMode.INT8_ASYM)
    save_ir(compressed, fp32.with_name("int8-weights.xml"), target)


def save_ir(model: object, staged: Path, target: Path) -> None:
    """An OpenVINO model saved beside the export's temporary files, then moved to `target` (.xml and .bin)."""
    import_openvino().save_model(model, str(staged), compress_to_fp16=False)
    os.replace(staged.with_suffix(".bin"), target.with_suffix(".bin"))  # the weights first: the .xml marks it done
    os.replace(staged, target)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], *([k] for k in RECIPE)):
        sys.exit(f"usage: python -m papertrends.embedding.export MODEL_FOLDER OUT [{'|'.join(RECIPE)}]")
    import warnings

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    export(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:])
