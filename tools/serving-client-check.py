#!/usr/bin/env python3
"""Third-party client check: the Python `requests` client talks to `corvid serve` exactly as the article's
predict_client talks to TorchServe, and sends KServe v2 JSON as Triton's documentation shows it.

Run from the repository root: /usr/bin/python3 tools/serving-client-check.py   (needs python3-requests, python3-pil)
Prints one line per check and exits non-zero on the first failure.
"""
import json, sys
import requests
from serving_common import start_server, stop_server, test_image


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f"  ({detail})" if detail else ""))
    if not condition:
        raise SystemExit(1)


def main():
    proc, base = start_server()
    try:
        image = test_image()
        # The article's client, unchanged apart from the model name.
        r = requests.post(f"{base}/predictions/resnet18", data=image, headers={"Content-Type": "application/octet-stream"})
        check("TorchServe inference: POST /predictions/resnet18 answers 200", r.status_code == 200, r.status_code)
        embedding = r.json()
        check("the answer is a JSON array of 512 numbers", isinstance(embedding, list) and len(embedding) == 512, len(embedding))

        r = requests.post(f"{base}/predictions/resnet18", files={"data": ("cat.jpg", image, "image/jpeg")})
        check("multipart upload (curl -F data=@img) gives the same embedding", r.status_code == 200 and max(abs(a - b) for a, b in zip(r.json(), embedding)) < 1e-5)

        r = requests.get(f"{base}/ping")
        check("GET /ping is Healthy", r.status_code == 200 and r.json() == {"status": "Healthy"}, r.text)

        r = requests.get(f"{base}/models")
        check("management: GET /models lists resnet18", r.json()["models"][0]["modelName"] == "resnet18", r.text)
        r = requests.get(f"{base}/models/resnet18")
        d = r.json()[0]
        check("management: describe has workers and jobQueueStatus", len(d["workers"]) >= 1 and d["jobQueueStatus"]["remainingCapacity"] == 100, json.dumps(d)[:200])

        r = requests.post(f"{base}/predictions/resnet18", data=b"not an image")
        check("a non-image body is 400 with a problem+json detail", r.status_code == 400 and "not an image" in r.json()["detail"], r.text[:200])

        # KServe v2 / Triton HTTP JSON, shaped as in Triton's protocol documentation.
        check("v2 live", requests.get(f"{base}/v2/health/live").status_code == 200)
        check("v2 ready", requests.get(f"{base}/v2/health/ready").status_code == 200)
        meta = requests.get(f"{base}/v2/models/resnet18").json()
        check("v2 model metadata names the input tensor", meta["inputs"][0] == {"name": "image", "datatype": "FP32", "shape": [-1, 3, 224, 224]}, meta)
        pixels = [0.1] * (3 * 224 * 224)
        body = {"id": "1", "inputs": [{"name": "image", "shape": [1, 3, 224, 224], "datatype": "FP32", "data": pixels}],
                "outputs": [{"name": "embedding"}]}
        r = requests.post(f"{base}/v2/models/resnet18/infer", json=body)
        check("v2 infer answers 200", r.status_code == 200, r.text[:200])
        out = r.json()
        check("v2 response has model_name, id and a [1,512] FP32 output",
              out["model_name"] == "resnet18" and out["id"] == "1" and out["outputs"][0]["shape"] == [1, 512]
              and out["outputs"][0]["datatype"] == "FP32" and len(out["outputs"][0]["data"]) == 512, json.dumps(out)[:200])
        r = requests.post(f"{base}/v2/models/resnet18/infer", json={"inputs": [{"name": "image", "shape": [1, 3, 224, 224], "data": pixels}]})
        check("malformed v2 JSON is 400 naming the field", r.status_code == 400 and "inputs[0].datatype" in r.json()["error"], r.text[:200])

        r = requests.get(f"{base}/metrics")
        check("Prometheus /metrics counts the requests", 'corvid_requests_total{' in r.text and 'model="resnet18"' in r.text)
    finally:
        code = stop_server(proc)
    check("SIGTERM drains and exits 0", code == 0, code)
    print("all checks passed")


if __name__ == "__main__":
    main()
