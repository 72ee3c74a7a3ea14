"""What the streak page carries besides its text: the stylesheet, the home-screen icon and
the web app manifest, and the Content-Security-Policy that lets exactly these in.

The icon and the manifest travel inside the page as `data:` URLs rather than from routes of
their own: the page is then one response (one token check, one route in API Gateway, no
second request whose URL carries the token), and the static `streak page -o` file is whole
by itself. A manifest at a `data:` URL has no `start_url` of its own to resolve, so the
browser falls back to the page's own address: the share link, which is what a home-screen
icon should open. The styles are allowed by their SHA-256 hashes, not `'unsafe-inline'`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import quote

from streakcore.render.heatmap_palette import DARK, FONT, LIGHT

STATUS_COLOURS = {
    # Text on the status banner; each pair at least 4.5:1 (WCAG AA for body text).
    "light": {"done": "#116329", "risk": "#7d4e00", "broken": "#a40e26", "none": "#59636e"},
    "dark": {"done": "#3fb950", "risk": "#d29922", "broken": "#ff7b72", "none": "#9198a1"},
}

STYLESHEET = f"""
:root {{ color-scheme: light dark; --bg: {LIGHT.background}; --fg: {LIGHT.text};
  --muted: {LIGHT.muted}; --card: #f6f8fa; --line: #d1d9e0;
  --done: {STATUS_COLOURS["light"]["done"]}; --risk: {STATUS_COLOURS["light"]["risk"]};
  --broken: {STATUS_COLOURS["light"]["broken"]}; --none: {STATUS_COLOURS["light"]["none"]}; }}
@media (prefers-color-scheme: dark) {{
  :root {{ --bg: {DARK.background}; --fg: {DARK.text}; --muted: {DARK.muted};
    --card: #161b22; --line: #3d444d;
    --done: {STATUS_COLOURS["dark"]["done"]}; --risk: {STATUS_COLOURS["dark"]["risk"]};
    --broken: {STATUS_COLOURS["dark"]["broken"]}; --none: {STATUS_COLOURS["dark"]["none"]}; }}
}}
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; }}
body {{ margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.45 {FONT}; }}
main, footer {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
h1, h2 {{ margin: 0; line-height: 1.15; }}
h2 {{ font-size: 1.05rem; margin-bottom: .5rem; }}
p {{ margin: .25rem 0; }}
section {{ background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  padding: 1rem; margin: 0 0 1rem; }}
.today {{ color: var(--muted); font-size: .95rem; }}
.status h1 {{ font-size: clamp(2.4rem, 11vw, 4rem); font-weight: 800; }}
.status-done_today h1 {{ color: var(--done); }}
.status-at_risk h1 {{ color: var(--risk); }}
.status-broken h1 {{ color: var(--broken); }}
.status-none h1 {{ color: var(--none); }}
.need {{ font-size: 1.25rem; font-weight: 600; }}
.streak .days {{ font-size: clamp(2.2rem, 10vw, 3.4rem); font-weight: 800; }}
.muted {{ color: var(--muted); }}
.note {{ border-left: 4px solid var(--risk); padding-left: .6rem; }}
.heatmap .scroll {{ overflow-x: auto; direction: rtl; }}
.heatmap .scroll svg {{ direction: ltr; display: block; max-width: none; }}
.heatmap .scroll:focus-visible {{ outline: 2px solid var(--fg); outline-offset: 2px; }}
@media (min-width: 48rem) {{ .heatmap .scroll svg {{ width: 100%; height: auto; }} }}
dl {{ display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: .3rem 1rem;
  margin: 0; }}
dt {{ color: var(--muted); }}
dd {{ margin: 0; font-variant-numeric: tabular-nums; }}
footer {{ color: var(--muted); font-size: .9rem; padding-top: 0; }}
"""


def icon_svg(colour: str = "#2da44e") -> str:
    """A square home-screen icon: a flame-free running streak mark (a rising bar chart)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" rx="20" fill="{colour}"/>'
        '<g fill="#fff"><rect x="18" y="52" width="14" height="26" rx="3"/>'
        '<rect x="41" y="36" width="14" height="42" rx="3"/>'
        '<rect x="64" y="18" width="14" height="60" rx="3"/></g></svg>'
    )


def data_url(media_type: str, text: str) -> str:
    return f"data:{media_type},{quote(text, safe='')}"


def icon_url() -> str:
    return data_url("image/svg+xml", icon_svg())


def manifest_url(title: str) -> str:
    """The web app manifest as a `data:` URL (see the module's note on `start_url`)."""
    manifest = {
        "name": title,
        "short_name": "Streak",
        "display": "standalone",
        "background_color": LIGHT.background,
        "theme_color": "#2da44e",
        "icons": [{"src": icon_url(), "sizes": "any", "type": "image/svg+xml"}],
    }
    return data_url("application/manifest+json", json.dumps(manifest, separators=(",", ":")))


_STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def style_hashes(html: str) -> list[str]:
    """The CSP source of every `<style>` element in `html` (the page's and the heatmap's)."""
    found = []
    for text in _STYLE_ELEMENT.findall(html):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        source = f"'sha256-{digest}'"
        if source not in found:
            found.append(source)
    return found


def content_security_policy(html: str, *, for_meta: bool = False) -> str:
    """Nothing but the page's own styles and its `data:` icon and manifest: no script, no
    font, no request to anywhere. `frame-ancestors` only works as a header (a `<meta>`
    carrying it is ignored, with a console error), so the meta copy leaves it out."""
    directives = [
        "default-src 'none'",
        f"style-src {' '.join(style_hashes(html))}",
        "img-src data:",
        "manifest-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if not for_meta:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)
