"""The app's look: a Gradio theme, a little CSS, and the click handler for [n] markers."""

from __future__ import annotations

import html
import json

import gradio as gr

from rag.i18n import SUPPORTED_UI_LANGUAGES, format_size, message

FONT = ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Noto Sans", "sans-serif"]
MONO = ["JetBrains Mono", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def make_theme() -> gr.themes.Base:
    """Soft, sky-blue (the colour of Kazakhstan's flag) with gold highlights; system fonts only (works offline)."""
    return gr.themes.Soft(primary_hue="sky", secondary_hue="amber", neutral_hue="slate", radius_size="md",
                          font=FONT, font_mono=MONO).set(
        body_background_fill="#f6f8fb",
        body_background_fill_dark="#0b1220",
        block_border_width="1px",
        block_shadow="0 1px 2px rgba(15, 23, 42, 0.04)",
        button_primary_background_fill="#0284c7",
        button_primary_background_fill_hover="#0369a1",
        button_primary_text_color="#ffffff",
    )


CSS = r"""
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; }
footer { opacity: .6; }

/* header */
.dr-header { display: flex; align-items: center; gap: 14px; padding: 6px 4px 0; }
.dr-logo { width: 44px; height: 44px; flex: none; border-radius: 12px; display: grid; place-items: center;
           background: linear-gradient(135deg, #0ea5e9, #0369a1); box-shadow: 0 4px 14px rgba(2, 132, 199, .28); }
.dr-header h1 { margin: 0 !important; font-size: 1.55rem !important; font-weight: 700; letter-spacing: -.01em;
                line-height: 1.2; color: var(--body-text-color); }
.dr-header h1 span { color: #0284c7; }
.dr-header p { margin: 2px 0 0 !important; color: var(--body-text-color-subdued); font-size: .95rem; }

/* status line */
#dr-status { margin-top: -10px; }
.dr-status { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 2px; font-size: .82rem;
             color: var(--body-text-color-subdued); padding: 2px 6px 6px 62px; }
.dr-status b { color: var(--body-text-color); font-weight: 600; }
.dr-status code { font-size: .78rem; background: transparent; padding: 0; }
.dr-status .dr-sep { margin: 0 6px; opacity: .5; }
.dr-status-dot { width: 8px; height: 8px; border-radius: 50%; background: #22c55e; margin-right: 8px;
                 box-shadow: 0 0 0 3px rgba(34, 197, 94, .18); }
.dr-status-bad .dr-status-dot { background: #ef4444; box-shadow: 0 0 0 3px rgba(239, 68, 68, .18); }
.dr-status-bad { color: #b91c1c; }
.dr-status-busy .dr-status-dot { background: #f59e0b; box-shadow: 0 0 0 3px rgba(245, 158, 11, .2);
                                 animation: dr-pulse 1.2s ease-in-out infinite; }
@keyframes dr-pulse { 50% { opacity: .35; } }
.dr-progress { display: inline-block; width: 140px; height: 6px; border-radius: 3px; margin-left: 10px;
               background: var(--border-color-primary); overflow: hidden; }
.dr-progress span { display: block; height: 100%; background: #0284c7; transition: width .8s; }

/* interface language selector, right of the header */
#dr-top { align-items: center; }
#dr-ui-language { flex: 0 0 auto !important; width: auto !important; background: transparent; }
#dr-ui-language .wrap { gap: 2px; flex-wrap: nowrap; }
#dr-ui-language label { padding: 3px 9px !important; font-size: .82rem; }
.dr-upload-guard { margin-top: 8px; }

/* chat */
#dr-chat { border-radius: 14px !important; }
#dr-chat .message-row .message, #dr-chat .message { font-size: .97rem; line-height: 1.6; }
.dr-question { white-space: normal; }
.dr-answer .dr-text { white-space: normal; }
a.dr-cite { display: inline-block; font-size: .76em; font-weight: 700; line-height: 1.35; padding: 0 4px;
            margin: 0 1px; border-radius: 5px; color: #0369a1 !important; background: #e0f2fe;
            text-decoration: none !important; vertical-align: 2px; cursor: pointer; transition: background .15s; }
a.dr-cite:hover { background: #bae6fd; }
.dark a.dr-cite { background: #0c4a6e; color: #e0f2fe !important; }
a.dr-cite.dr-cite-plain { display: inline; font-size: inherit; font-weight: 600; vertical-align: 0; padding: 0; background: none;
                          color: inherit !important; text-decoration: underline dotted !important; }
.dr-cite-demo { font-size: .8em; font-weight: 700; padding: 0 4px; border-radius: 5px; color: #0369a1;
                background: #e0f2fe; }
.dr-note { display: flex; gap: 6px; align-items: center; font-size: .85rem; color: var(--body-text-color-subdued);
           margin-bottom: 6px; }
.dr-thinking { color: var(--body-text-color-subdued); font-style: italic; }
.dr-draft { color: var(--body-text-color-subdued); }
.dr-draft-label { font-size: .74rem; font-weight: 700; letter-spacing: .05em; text-transform: uppercase;
                  color: #0284c7; margin-bottom: 4px; }
.dr-thinking::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 8px;
                       border-radius: 50%; border: 2px solid #7dd3fc; border-top-color: #0284c7;
                       animation: dr-spin .8s linear infinite; vertical-align: -1px; }
.dr-caret { display: inline-block; width: 7px; height: 1.05em; margin-left: 2px; background: #0284c7;
            vertical-align: -2px; animation: dr-blink 1s steps(2) infinite; }
@keyframes dr-spin { to { transform: rotate(360deg); } }
@keyframes dr-blink { 50% { opacity: 0; } }

.dr-refused { border-left: 4px solid #f59e0b; background: #fffbeb; margin: -4px -6px; padding: 8px 12px;
              border-radius: 8px; color: #713f12; }
.dark .dr-refused { background: #2b2110; color: #fde68a; }
.dr-refusal-head { display: flex; align-items: center; gap: 8px; font-weight: 700; margin-bottom: 4px; }
.dr-glyph { flex: none; display: inline-grid; place-items: center; width: 20px; height: 20px; border-radius: 50%;
             font-size: 12px; font-weight: 800; line-height: 1; color: white; font-style: normal;
             font-family: Georgia, "DejaVu Serif", serif; }
.dr-glyph-info { background: #0ea5e9; }
.dr-glyph-error { background: #ef4444; font-family: inherit; }
.dr-glyph-none { background: #f59e0b; font-family: inherit; }
.dr-closest { margin-top: 8px; font-size: .88rem; }
.dr-closest-head { font-weight: 600; margin-bottom: 2px; }
.dr-closest ul { margin: 2px 0 0; padding-left: 0; list-style: none; }
.dr-closest li { margin: 3px 0; padding-left: 12px; position: relative; line-height: 1.45; }
.dr-closest li::before { content: ""; position: absolute; left: 0; top: .6em; width: 5px; height: 5px;
                         border-radius: 50%; background: #f59e0b; }
.dr-closest a.dr-cite.dr-cite-plain { font-weight: 500; text-decoration: none !important; }
.dr-closest a.dr-cite.dr-cite-plain:hover { text-decoration: underline !important; }
.dr-muted { color: var(--body-text-color-subdued); }

.dr-problem { display: flex; gap: 10px; align-items: flex-start; border-radius: 8px; padding: 8px 12px;
              margin: -4px -6px; }
.dr-problem.dr-error { background: #fef2f2; color: #991b1b; border-left: 4px solid #ef4444; }
.dr-problem.dr-info { background: #f0f9ff; color: #075985; border-left: 4px solid #38bdf8; }
.dark .dr-problem.dr-error { background: #2a1215; color: #fecaca; }
.dark .dr-problem.dr-info { background: #0c2233; color: #bae6fd; }
.dr-problem .dr-glyph { margin-top: 3px; }

/* input row and examples */
#dr-ask-row { align-items: stretch; gap: 8px; }
#dr-question textarea { font-size: 1rem !important; }
#dr-send { min-width: 96px; }

/* sources panel */
#dr-sources-col { position: sticky; top: 10px; align-self: flex-start; }
#dr-sources-panel { max-height: calc(100vh - 120px); min-height: 560px; overflow-y: auto !important;
                    padding: 14px !important; border-radius: 14px; border: 1px solid var(--border-color-primary);
                    background: var(--block-background-fill); scroll-behavior: smooth; }
.dr-empty { text-align: center; color: var(--body-text-color-subdued); padding: 110px 28px 40px;
            font-size: .95rem; line-height: 1.6; }
.dr-empty-icon { color: #7dd3fc; margin-bottom: 6px; display: flex; justify-content: center; }
.dr-empty strong { color: var(--body-text-color); }
.dr-turn-head { display: flex; justify-content: space-between; gap: 12px; align-items: baseline;
                padding-bottom: 10px; margin-bottom: 10px; border-bottom: 1px solid var(--border-color-primary); }
.dr-turn-q { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
             color: var(--body-text-color); }
.dr-turn-meta { font-size: .78rem; color: var(--body-text-color-subdued); white-space: nowrap; }
.dr-filter-note { display: inline-block; font-size: .76rem; font-weight: 600; color: #075985; background: #e0f2fe;
                  border-radius: 999px; padding: 2px 10px; margin: -4px 0 10px; }
.dr-section-title { font-size: .74rem; font-weight: 700; letter-spacing: .08em; text-transform: uppercase;
                    color: var(--body-text-color-subdued); margin: 4px 2px 8px; }
.dr-refused-title { color: #b45309; display: flex; align-items: center; gap: 8px; }
.dr-card { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 12px 14px;
           margin-bottom: 10px; background: var(--background-fill-primary);
           transition: box-shadow .25s, border-color .25s, background .25s; scroll-margin: 16px; }
.dr-card:hover { border-color: #7dd3fc; }
.dr-card.dr-active { border-color: #0284c7; box-shadow: 0 0 0 3px rgba(2, 132, 199, .22);
                     background: #f0f9ff; }
.dark .dr-card.dr-active { background: #0c2233; }
.dr-card-head { display: flex; gap: 10px; align-items: flex-start; }
.dr-badge { flex: none; display: inline-grid; place-items: center; min-width: 24px; height: 24px; border-radius: 7px;
            font-size: .8rem; font-weight: 700; color: white; background: #0284c7; margin-top: 1px; }
.dr-card-uncited .dr-badge { background: #94a3b8; }
.dr-card-title { font-weight: 650; font-size: .98rem; line-height: 1.35; color: var(--body-text-color); }
.dr-card-meta { display: flex; flex-wrap: wrap; align-items: center; gap: 3px 6px; margin: 5px 0 8px 34px;
                font-size: .78rem; color: var(--body-text-color-subdued); }
.dr-dot { opacity: .5; }
.dr-lang { font-weight: 700; font-size: .7rem; letter-spacing: .04em; padding: 1px 6px; border-radius: 4px;
           background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.dr-file { flex-basis: 100%; display: flex; align-items: center; gap: 4px; font-family: var(--font-mono);
           font-size: .7rem; word-break: break-all; opacity: .85; }
.dr-icon { flex: none; opacity: .7; }
.dr-score { margin-left: auto; flex: none; font-size: .72rem; font-variant-numeric: tabular-nums;
            color: var(--body-text-color-subdued); padding-top: 3px; }
.dr-passage { margin-left: 34px; font-size: .88rem; line-height: 1.6; color: var(--body-text-color); }
.dr-foldable > summary { list-style: none; cursor: pointer; }
.dr-foldable > summary::-webkit-details-marker { display: none; }
.dr-toggle::after { content: attr(data-more); display: block; margin-top: 4px; font-size: .76rem;
                    font-weight: 600; color: #0284c7; }
.dr-foldable[open] .dr-excerpt { display: none; }
.dr-foldable[open] .dr-toggle::after { content: attr(data-less); margin: 0 0 4px; }
.dr-passage mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px;
                   box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.dr-card-uncited .dr-passage { color: var(--body-text-color-subdued); }
details.dr-more { margin-top: 14px; }
details.dr-more > summary { cursor: pointer; font-size: .82rem; font-weight: 600; padding: 6px 2px;
                            color: var(--body-text-color-subdued); }
details.dr-more[open] > summary { margin-bottom: 8px; }

/* add articles */
.dr-help { font-size: .9rem; color: var(--body-text-color-subdued); line-height: 1.55; }
.dr-help code { font-size: .82rem; }
#dr-upload-result { border: 1px solid var(--border-color-primary) !important; border-radius: 14px;
                   background: var(--block-background-fill); padding: 14px 16px !important; }
.dr-upload-report { font-size: .9rem; }
#dr-upload-result [data-testid="status-tracker"]:not(.hide) { display: flex !important; flex-direction: column;
    justify-content: center; align-items: center; gap: 10px; inset: 0; height: 100% !important;
    background: var(--block-background-fill) !important; border-radius: 14px; z-index: 5; }
#dr-upload-result .progress-text { position: static !important; order: 2; font-family: var(--font) !important;
    font-size: .8rem !important; color: var(--body-text-color-subdued); }
#dr-upload-result .progress-level { width: min(440px, 80%) !important; display: flex; flex-direction: column;
    gap: 10px; align-items: stretch; }
#dr-upload-result .progress-level-inner { font-family: var(--font) !important; font-size: .9rem !important;
    text-align: center; color: var(--body-text-color); margin: 0 !important; }
#dr-upload-result .progress-bar-wrap { width: 100% !important; height: 8px !important; border-radius: 99px;
    border: none !important; background: #e0f2fe !important; overflow: hidden; }
#dr-upload-result .progress-bar { background: #0284c7 !important; border-radius: 99px; }
.dr-upload-empty { color: var(--body-text-color-subdued); padding-top: 90px; text-align: center; }
.dr-upload-summary { font-weight: 600; margin-bottom: 8px; }
.dr-upload-report table { width: 100%; border-collapse: collapse; border: none !important; margin: 0; }
.dr-upload-report th, .dr-upload-report td { border: none !important; }
.dr-upload-report tr { border: none !important; }
.dr-up-file { font-family: var(--font-mono); font-size: .8rem; word-break: break-all; }
.dr-upload-report th { text-align: left; font-size: .75rem; text-transform: uppercase; letter-spacing: .06em;
                       color: var(--body-text-color-subdued); padding: 6px 8px;
                       border-bottom: 1px solid var(--border-color-primary) !important; }
.dr-upload-report td { padding: 8px; vertical-align: top; }
.dr-upload-report tbody tr + tr td { border-top: 1px solid var(--border-color-primary) !important; }
.dr-pill { display: inline-block; font-size: .74rem; font-weight: 700; padding: 1px 8px; border-radius: 999px; }
.dr-pill-added { background: #dcfce7; color: #166534; }
.dr-pill-updated { background: #e0f2fe; color: #075985; }
.dr-pill-unchanged { background: #f1f5f9; color: #475569; }
.dr-pill-rejected { background: #fee2e2; color: #991b1b; }

@media (max-width: 900px) {
  #dr-sources-col { position: static; }
  #dr-sources-panel { max-height: none; min-height: 0; }
  .dr-status { padding-left: 6px; }
}
"""

# Runs once when the page loads: a delegated click handler, so it survives every re-render of the
# chat and of the sources panel. A marker shows its turn's sources, scrolls to the card and marks it.
JS = r"""
() => {
  if (window.__drCiteHandler) return;
  window.__drCiteHandler = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#dr-src-"]') : null;
    if (!link) return;
    const m = (link.getAttribute('href') || '').match(/^#dr-src-(\d+)-(\d+)$/);
    if (!m) return;
    event.preventDefault();
    event.stopPropagation();
    const turn = m[1];
    document.querySelectorAll('section.dr-turn').forEach((s) => { s.hidden = s.dataset.turn !== turn; });
    const card = document.getElementById('dr-src-' + turn + '-' + m[2]);
    if (!card) return;
    const folded = card.closest('details');
    if (folded) folded.open = true;
    document.querySelectorAll('.dr-card.dr-active').forEach((c) => c.classList.remove('dr-active'));
    card.classList.add('dr-active');
    card.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, true);
}
"""

LOGO_SVG = (
    '<svg width="26" height="26" viewBox="0 0 24 24" fill="none" stroke="white" stroke-width="1.8" '
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><circle cx="12" cy="12" r="4.2"/>'
    '<path d="M12 2.5v2.2M12 19.3v2.2M2.5 12h2.2M19.3 12h2.2M5.3 5.3l1.6 1.6M17.1 17.1l1.6 1.6M5.3 18.7l1.6-1.6'
    'M17.1 6.9l1.6-1.6"/></svg>'
)

def header_html(language: str = "en") -> str:
    """The page header: logo, name and the tagline in the interface language."""
    return (f'<div class="dr-header"><div class="dr-logo">{LOGO_SVG}</div><div>'
            '<h1>Diplo<span>RAG</span></h1>'
            f"<p>{html.escape(message('header_tagline', language))}</p></div></div>")


HEADER_HTML = header_html("en")


# Pre-empts Gradio's own size check (a bare pop-up) with the app's message, in the interface language:
# a file over the app's limit is never sent; the same limit is Gradio's max_file_size on the server.
UPLOAD_GUARD_JS = r"""
  const tooBig = (files) => Array.from(files || []).filter((f) => f.size > window.__drUploadLimit);
  const refuse = (event, big) => {
    event.preventDefault();
    event.stopImmediatePropagation();
    const lang = document.documentElement.lang in window.__drUploadText ? document.documentElement.lang : 'en';
    const text = big.map((f) => window.__drUploadText[lang].replace('{name}', f.name)).join(' ');
    const box = document.getElementById('dr-upload-result');
    const target = box ? (box.querySelector('.prose, .html-container') || box) : null;
    if (target) {
      target.innerHTML = '';
      const div = document.createElement('div');
      div.className = 'dr-upload-report dr-problem dr-error dr-upload-guard';
      div.setAttribute('role', 'alert');
      div.textContent = text;
      target.appendChild(div);
    }
    console.info('[DiploRAG] refused before upload:', text);
  };
  document.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.closest('#dr-files')) return;
    const big = tooBig(input.files);
    if (big.length) { refuse(event, big); input.value = ''; }
  }, true);
  // Gradio names the upload area "Click to upload or drop files" whatever the language; rename it
  // whenever it is (re)rendered, in the page's language.
  new MutationObserver(() => {
    const drop = document.querySelector('#dr-files button.upload-container');
    const name = window.__drDrop && window.__drDrop[document.documentElement.lang];
    if (drop && name && drop.getAttribute('aria-label') !== name) drop.setAttribute('aria-label', name);
  }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['lang']});
  document.addEventListener('drop', (event) => {
    if (!event.target.closest || !event.target.closest('#dr-files')) return;
    const big = tooBig(event.dataTransfer && event.dataTransfer.files);
    if (big.length) refuse(event, big);
  }, true);
"""


def page_css() -> str:
    """The app's CSS, plus the upload area's hint in each interface language (Gradio's own words there
    follow only the browser, and not in Bulgarian or Kazakh); shown by the page's ``lang``."""
    hint = '#dr-files [data-testid="upload-text"]'
    rules = [f"{hint} {{ font-size: 0 !important; }}",
             f"{hint} .icon-wrap {{ font-size: 1rem; }}",
             f"{hint}::after {{ display: block; font-size: var(--text-lg); }}"]
    # only per-language rules for the text: Gradio also adds a container-prefixed copy of each rule,
    # which would outrank a language-less default (the prefixed html[lang] copies never match)
    rules += [f'html[lang="{code}"] {hint}::after {{ content: {json.dumps(message("upload_drop", code), ensure_ascii=False)}; }}'
              for code in SUPPORTED_UI_LANGUAGES]
    return CSS + "\n/* the upload hint in the interface language */\n" + "\n".join(rules) + "\n"


def script(max_upload_bytes: int) -> str:
    """The page's script: the [n]-marker handler and the upload size guard for ``max_upload_bytes``."""
    texts = {lang: message("upload_too_big_browser", lang, name="{name}", limit=format_size(max_upload_bytes, lang))
             for lang in SUPPORTED_UI_LANGUAGES}
    setup = (f"  window.__drUploadLimit = {int(max_upload_bytes)};\n"
             f"  window.__drUploadText = {json.dumps(texts, ensure_ascii=False)};\n")
    body = JS.strip()
    head, rest = body.split("window.__drCiteHandler = true;", 1)
    return f"{head}window.__drCiteHandler = true;\n{setup}{UPLOAD_GUARD_JS}{rest}"
