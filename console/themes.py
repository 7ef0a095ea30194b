"""The console's two themes: Textual's dark theme for 256/true-colour terminals and its ANSI theme for
8/16-colour ones (TERM=xterm, linux, screen), each with the colours that had too little contrast
replaced. Every foreground/background pair theme.tcss uses reaches 4.5:1 (WCAG AA) in the 256-colour
palette and in the Linux console's 16 colours (tests/test_console_contrast.py computes it).

- the queue's cursor row: was white on amber (1.84:1); now dark text on the amber, and the urgency
  colours give way to it on that row (the countdown's minus sign still says overdue);
- in 16 colours the cursor row was bright red on green: now black on cyan;
- the footer's keys in 16 colours: magenta on black (3.3:1 on the Linux console) → bright magenta;
- the dim ("muted") text: 50% of the foreground was 3.1:1 in 16 colours → the plain foreground.
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

# The variables theme.tcss adds to Textual's: defaults here (the 256/true-colour values), the ANSI
# theme overrides them.
VARIABLES = {
    "cursor-background": "#FEA62B",
    "cursor-foreground": "#121212",
    # overdue, supervision marks and dialog errors: Textual's bright red became #ff005f in 256
    # colours, 4.4:1 on a dialog
    "urgent": "#FF5F5F",
    "banner-background": "#87005F",  # 培训模式: white on bright magenta was 3.9:1
}

DARK = replace(BUILTIN_THEMES["textual-dark"], name="chuishao-dark", variables={
    **VARIABLES,
    "block-cursor-background": "#005F87",  # the report tables' cursor: white on #0087d7 was 3.6:1
    "link-background-hover": "#005F87",  # a view tab under the mouse, the same
})
ANSI = replace(BUILTIN_THEMES["ansi-dark"], name="chuishao-ansi", variables={
    **BUILTIN_THEMES["ansi-dark"].variables,
    "cursor-background": "ansi_cyan",
    "cursor-foreground": "ansi_black",
    "footer-key-foreground": "ansi_bright_magenta",
    "text-muted": "ansi_default",
    "urgent": "ansi_bright_red",
    "link-color": "ansi_default",  # the clickable view tabs: blue on black was 1.6:1 on the Linux console
    "banner-background": "ansi_magenta",
    # black on bright blue was 4.1:1
    "input-selection-background": "ansi_bright_cyan",
    "screen-selection-background": "ansi_bright_cyan",
})
THEMES: tuple[Theme, ...] = (DARK, ANSI)
