"""What this machine computes natively, and OpenVINO's runtime imported without its conversion tools.

The runtimes (`embedding.runtimes`), the once-per-machine export (`embedding.export`) and the measurement that picks
`auto`'s arithmetic (`embedding.calibrate`) all ask these questions; they live here, apart from all three, so that
none of those modules imports another to ask them.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

PRECISION_ENV = "PAPERTRENDS_EMBEDDING_PRECISION"  # forces OpenVINO's arithmetic where `precision = "auto"`
INT8_DOT_FLAGS = {"avx512_vnni", "avx_vnni", "amx_int8"}  # /proc/cpuinfo's names for int8 dot-product units


def import_openvino() -> ModuleType:
    """OpenVINO's runtime without its model-conversion tools: importing those sends a telemetry event from a
    forked process on every start, which hangs the run's exit where there is no network. We only read ONNX files,
    which the runtime's core does itself."""
    if "openvino" not in sys.modules:
        sys.modules["openvino.tools.ovc"] = None  # type: ignore[assignment] - makes `import` of it fail, quietly
        try:
            import openvino
        finally:
            if sys.modules.get("openvino.tools.ovc", 0) is None:
                del sys.modules["openvino.tools.ovc"]
    import openvino

    return openvino


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether OpenVINO computes bf16 natively on this CPU (AVX512-BF16 or AMX)."""
    return "BF16" in import_openvino().Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


@functools.cache
def cpu_has_int8_dot() -> bool:
    """Whether the CPU multiplies int8 natively (AVX512-VNNI, AVX-VNNI or AMX-INT8): Linux's CPU flags, else
    numpy's view of the CPU (which knows AVX512-VNNI only)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), None)
    except OSError:
        flags = None
    if flags is not None:
        return bool(INT8_DOT_FLAGS & set(flags))
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        return False
    return bool(__cpu_features__.get("AVX512VNNI"))
