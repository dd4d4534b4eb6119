"""Starts `corvid serve` from this checkout for the tools/ serving scripts and stops it with SIGTERM."""
import os, re, signal, subprocess, sys, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def start_server(*args):
    """Runs ./corvid serve --port 0 ARGS; returns (process, base_url) once it prints its address."""
    # CORVID_CMD="dotnet artifacts/bin/Corvid.Cli/release/corvid.dll" skips ./corvid's rebuild check.
    command = os.environ.get("CORVID_CMD", os.path.join(ROOT, "corvid")).split()
    proc = subprocess.Popen([*command, "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "NO_COLOR": "1"})
    deadline = time.time() + 300
    seen = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"serving on (http://\S+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    sys.exit("corvid serve did not start:\n" + "".join(seen))


def stop_server(proc):
    """SIGTERM, as an orchestrator stops a container; returns the exit code."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_image():
    """A JPEG made with Pillow: the third-party side of the check makes its own input."""
    import io
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (500, 375), (70, 120, 200))
    ImageDraw.Draw(img).ellipse([150, 90, 350, 290], fill=(230, 170, 60))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()
