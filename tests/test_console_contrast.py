"""Contrast (issue 17 item 10): every foreground/background pair the console's theme uses reaches
4.5:1 (WCAG AA) in the 256-colour palette and in the 16 colours of the Linux console (TERM=linux).

The pairs are read from console/theme.tcss and the screens' own CSS — each rule's text colour on its
background, or on the screen's and the dialogs' backgrounds when it sets none — and from the themes'
own "X-foreground"/"X-background" variables (footer keys, cursors, selections); the colours from
the two themes in console/themes.py. 256 colours: ANSI names through Textual's true-colour palette,
then every colour to its nearest xterm-256 entry (what a 256-colour terminal shows). 16 colours: the
Linux console's VGA palette. The queue's cursor row is checked as drawn, segment by segment.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.segment import Segment
from textual._ansi_theme import MONOKAI
from textual.color import Color
from textual.theme import Theme

import console
import screens
from console.themes import ANSI, DARK, VARIABLES
from models.org.context import Context
from tests.console_support import console as console_app
from tests.console_support import dispatched_case, fixed, run_async, settle

AA = 4.5
# The Linux console's default palette (drivers/tty/vt: the VGA colours), ANSI 0–15.
LINUX = ["#000000", "#AA0000", "#00AA00", "#AA5500", "#0000AA", "#AA00AA", "#00AAAA", "#AAAAAA",
         "#555555", "#FF5555", "#55FF55", "#FFFF55", "#5555FF", "#FF55FF", "#55FFFF", "#FFFFFF"]
RGB = tuple[int, int, int]
# text colour → the background it is drawn on, as CSS properties (links: the clickable view tabs)
CSS_PAIRS = (("color", "background"), ("link-color", "link-background"),
             ("link-color-hover", "link-background-hover"))


def luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_rgb(text: str) -> RGB:
    c = Color.parse(text)
    return (c.r, c.g, c.b)


class Palette:
    """How one kind of terminal shows a theme's colours."""

    def __init__(self, name: str, theme: Theme) -> None:
        self.name, self.theme = name, theme
        self.variables = {**VARIABLES, **theme.to_color_system().generate(), **theme.variables}

    def ansi(self, number: int, foreground: bool) -> RGB:
        if self.name == "16":
            return hex_rgb(LINUX[(7 if foreground else 0) if number < 0 else number])
        colour = MONOKAI.ansi_colors[number] if number >= 0 else (
            MONOKAI.foreground_color if foreground else MONOKAI.background_color)
        return (colour.red, colour.green, colour.blue)

    def shown(self, rgb: RGB) -> RGB:
        """The colour the terminal puts on screen."""
        if self.name == "16":
            return hex_rgb(LINUX[RichColor.from_rgb(*rgb).downgrade(ColorSystem.STANDARD).number or 0])
        colour = RichColor.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).get_truecolor()
        return (colour.red, colour.green, colour.blue)

    def resolve(self, value: str, under: RGB, foreground: bool) -> RGB:
        """A CSS colour value ($variable, ANSI name, hex, "auto", with an alpha) as RGB over `under`."""
        tokens = value.split()
        head, alpha = tokens[0], 1.0
        for token in tokens[1:]:
            if token.endswith("%"):
                alpha = float(token[:-1]) / 100
        if head.startswith("$"):
            inner = self.resolve(self.variables[head[1:]], under, foreground)
            return blend(inner, under, alpha)
        if head in ("transparent", "initial"):
            return under
        if head == "auto":
            back = Color(*under)
            return blend(hex_rgb(back.get_contrast_text(1).hex), under, alpha if alpha < 1 else 0.87)
        colour = Color.parse(head)
        rgb = self.ansi(colour.ansi, foreground) if colour.ansi is not None else (colour.r, colour.g, colour.b)
        return blend(rgb, under, alpha * colour.a)


def blend(top: RGB, under: RGB, alpha: float) -> RGB:
    return tuple(round(t * alpha + u * (1 - alpha)) for t, u in zip(top, under, strict=True))  # type: ignore[return-value]


def css_rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of theme.tcss and every DEFAULT_CSS / CSS string under screens/."""
    sources = [Path(console.__file__).with_name("theme.tcss").read_text(encoding="utf-8")]
    for path in Path(screens.__file__).parent.rglob("*.py"):
        sources += re.findall(r'(?:DEFAULT_CSS|CSS)\s*=\s*"""(.*?)"""', path.read_text(encoding="utf-8"), re.DOTALL)
    rules = []
    for source in sources:
        source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
        for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", source):
            decls = {}
            for decl in body.split(";"):
                name, _, value = decl.partition(":")
                if value.strip():
                    decls[name.strip()] = value.strip()
            rules.append((" ".join(selector.split()), decls))
    return rules


def pairs(palette: Palette) -> list[tuple[str, RGB, RGB]]:
    """(where, text colour, background) as the terminal shows them."""
    screen_bg = palette.resolve("$background", (0, 0, 0), False)
    grounds = {"screen": screen_bg, "dialog": palette.resolve("$surface", screen_bg, False)}
    out = []
    for selector, decls in css_rules():
        for fore_key, back_key in CSS_PAIRS:
            if fore_key not in decls and back_key not in decls:
                continue
            for ground_name, ground in grounds.items():
                back = palette.resolve(decls[back_key], ground, False) if back_key in decls else ground
                fore = palette.resolve(decls.get(fore_key, "$foreground"), back, True)
                out.append((f"{selector} {fore_key} (on {ground_name})", palette.shown(fore), palette.shown(back)))
    variables = palette.variables
    for name in variables:
        if name.startswith("ansi-") and not palette.theme.ansi:
            continue  # the terminal's own default colours: used by the ANSI theme only
        partner = name.replace("-foreground", "-background") if name.endswith("-foreground") else \
            name.replace("-color", "-background") if name.startswith("link-color") else None
        if partner in variables:
            back = palette.resolve(f"${partner}", screen_bg, False)
            # a transparent foreground keeps the text's own colour (the selection's)
            fore = palette.resolve("$foreground" if variables[name] == "transparent" else f"${name}", back, True)
            out.append((f"${name}", palette.shown(fore), palette.shown(back)))
    return out


def test_every_pair_of_the_theme_reaches_aa_in_256_and_16_colours() -> None:
    failures = []
    checked = 0
    for palette in (Palette("256", DARK), Palette("16", ANSI)):
        for where, fore, back in pairs(palette):
            checked += 1
            if ratio(fore, back) < AA:
                failures.append(f"{palette.name}: {where}: {fore} on {back} = {ratio(fore, back):.2f}")
    assert checked > 40  # the rules were read (a parse that found nothing would pass vacuously)
    assert not failures, "\n".join(failures)


def test_the_ratio_is_wcag() -> None:
    assert round(ratio((255, 255, 255), (0, 0, 0)), 1) == 21.0
    assert round(ratio((255, 255, 255), (0xFF, 0xAF, 0x00)), 2) == 1.84  # the old cursor row, as reported


def segment_colours(segment: Segment, palette: Palette) -> tuple[RGB, RGB]:
    style = segment.style
    assert style is not None and style.color is not None and style.bgcolor is not None

    def rgb(colour: RichColor, foreground: bool) -> RGB:
        if colour.number is not None and colour.number < 16 and colour.triplet is None:
            return palette.ansi(colour.number, foreground)
        if colour.is_default:
            return palette.ansi(-1, foreground)
        triplet = colour.get_truecolor()
        return (triplet.red, triplet.green, triplet.blue)
    return palette.shown(rgb(style.color, True)), palette.shown(rgb(style.bgcolor, False))


@run_async
async def test_cursor_row_on_an_overdue_case_is_readable(ctx_for: Callable[..., Context]) -> None:
    """The queue's cursor on an overdue, must-supervise case: every segment of the row as drawn."""
    admin = fixed(ctx_for())
    dispatched_case(admin)
    later = fixed(ctx_for(), moment=__import__("datetime").datetime(2026, 12, 20, 2, 0,
                                                                   tzinfo=__import__("datetime").UTC))
    for theme, name in ((DARK, "256"), (ANSI, "16")):
        app = console_app(later, poll_interval=60)
        async with app.run_test(size=(80, 24)) as pilot:
            app.theme = theme.name
            await settle(pilot)
            table = app.screen.query_one("QueueTable")
            table.focus()
            await settle(pilot)
            strip = table.render_line(1)
            palette = Palette(name, theme)
            texts = "".join(s.text for s in strip)
            assert "-" in texts  # overdue: the countdown is negative
            for segment in strip:
                if segment.text.strip():
                    fore, back = segment_colours(segment, palette)
                    assert ratio(fore, back) >= AA, (name, segment.text, fore, back, ratio(fore, back))
