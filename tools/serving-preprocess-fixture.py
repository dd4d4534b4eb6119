#!/usr/bin/env python3
"""Reference for Corvid's image preprocessing: torchvision's ImageNet eval transform
(Resize(256) -> CenterCrop(224) -> ToTensor -> Normalize), written out in numpy on Pillow exactly as
torchvision 0.14 does it for PIL images (torchvision is not packaged for Debian; Pillow is what it calls).

Writes test images and preprocess.json (sampled tensor values) to tests/Corvid.Serving.Tests/Fixtures.
Run: /usr/bin/python3 tools/serving-preprocess-fixture.py   (needs python3-pil and python3-numpy)
"""
import json, math, os
import numpy as np
from PIL import Image, ImageDraw

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "Corvid.Serving.Tests", "Fixtures")
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
STRIDE = 7  # sample every 7th row and column: 32 x 32 x 3 values per image


def torchvision_resize(img, size):
    # torchvision.transforms.functional._compute_resized_output_size for an int size
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return img.resize((new_w, new_h), Image.BILINEAR)


def center_crop(img, size):
    w, h = img.size
    top = int(round((h - size) / 2.0))
    left = int(round((w - size) / 2.0))
    return img.crop((left, top, left + size, top + size))


def transform(path):
    img = Image.open(path).convert("RGB")
    img = center_crop(torchvision_resize(img, 256), 224)
    x = np.asarray(img, dtype=np.float32) / 255.0            # (224,224,3), ToTensor's scaling
    x = (x - MEAN) / STD                                       # Normalize
    return x.transpose(2, 0, 1)                                # (3,224,224)


def make_images():
    rng = np.random.default_rng(7)
    # 1. landscape PNG: smooth gradients plus hard edges (where resampling differences would show)
    w, h = 320, 240
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([xx * 255 // w, yy * 255 // h, (xx + yy) * 255 // (w + h)], axis=-1).astype(np.uint8)
    img = Image.fromarray(rgb)
    d = ImageDraw.Draw(img)
    d.rectangle([60, 50, 150, 140], fill=(250, 20, 30))
    d.ellipse([170, 80, 290, 200], fill=(20, 40, 230))
    d.line([0, 239, 319, 0], fill=(255, 255, 255), width=3)
    img.save(os.path.join(OUT, "landscape.png"))
    # 2. portrait PNG with odd size and noise (shorter side is the width; downscale by > 2)
    # (blocks of noise, so the PNG stays small, with edges every 9 pixels that a non-widened filter would alias)
    noise = rng.integers(0, 256, size=(78, 58, 3), dtype=np.uint8)
    Image.fromarray(noise).resize((521, 701), Image.NEAREST).save(os.path.join(OUT, "portrait-noise.png"))
    # 3. JPEG photo-like image (decoders may differ by a level or two)
    big = Image.fromarray(rgb).resize((400, 300), Image.BICUBIC)
    ImageDraw.Draw(big).ellipse([120, 60, 280, 220], fill=(30, 200, 60))
    big.save(os.path.join(OUT, "photo.jpg"), quality=92)
    return ["landscape.png", "portrait-noise.png", "photo.jpg"]


def main():
    os.makedirs(OUT, exist_ok=True)
    fixtures = []
    for name in make_images():
        x = transform(os.path.join(OUT, name))
        sample = x[:, ::STRIDE, ::STRIDE]
        w, h = Image.open(os.path.join(OUT, name)).size
        fixtures.append({
            "file": name,
            "width": w,
            "height": h,
            "stride": STRIDE,
            "sampleShape": list(sample.shape),
            "sample": [round(float(v), 6) for v in sample.ravel()],
            "channelMeans": [round(float(x[c].mean()), 6) for c in range(3)],
        })
    with open(os.path.join(OUT, "preprocess.json"), "w") as f:
        json.dump({"reference": "torchvision 0.14 ImageNet eval transform on Pillow " + Image.__version__, "images": fixtures}, f)
    print("wrote", len(fixtures), "fixtures to", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
