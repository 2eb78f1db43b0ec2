"""Turn a sentence-transformers model folder into an ONNX encoder: `python -m papertrends.onnx_export SRC DST [int8]`.

Run once per machine and model, in a process of its own, so that torch (needed only to trace the model) never
sits in the memory of a papertrends run. The recipe:

- trace the transformer with eager attention: the default SDPA path exports a mask built from `Where`/`IsNaN`
  nodes that cost a quarter of ONNX Runtime's inference time;
- for `int8`, quantise every MatMul with a constant weight, dynamically (activations quantised per batch) and per
  output channel, which keeps the mean cosine similarity to the fp32 vectors above 0.99 where per-tensor weights
  fall to about 0.93.

The output is the last hidden state; pooling and normalisation happen in numpy (`embed.OnnxEmbedder`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

RECIPE = {"fp32": "eager-opset17-v1", "int8": "eager-opset17-dyn-int8-per-channel-v1"}


def export(source: Path, target: Path, kind: str = "fp32") -> None:
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

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = tokenizer(["a short one", "and a somewhat longer second sentence"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        int8 = Path(tmp) / "int8.onnx"
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
        if kind == "fp32":
            os.replace(fp32, target)
            return
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(fp32),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT, "MatMulConstBOnly": True},
        )
        os.replace(int8, target)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["fp32"], ["int8"]):
        sys.exit("usage: python -m papertrends.onnx_export MODEL_FOLDER OUT.onnx [fp32|int8]")
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    export(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:])
