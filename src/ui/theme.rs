//! Themes: the screen is drawn in the default palette's colours, then each cell's foreground and
//! background are mapped to the theme's (one linear pass over the frame). The light theme
//! darkens what is pale on white; the colour-blind one draws up and down (and errors) in blue and
//! orange instead of green and red. `NO_COLOR` is honoured below, by the terminal layer.

use crate::core::settings::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// Okabe-Ito's blue and orange: told apart by every common kind of colour blindness.
const BLUE: Color = Color::Rgb(0, 114, 178);
const ORANGE: Color = Color::Rgb(230, 159, 0);
/// Readable on white: a dark gold for the yellows, a dark teal for the cyans.
const GOLD: Color = Color::Rgb(150, 100, 0);
const TEAL: Color = Color::Rgb(0, 110, 130);

fn fg(theme: Theme, c: Color) -> Color {
    match (theme, c) {
        (Theme::ColorBlind, Color::Green) => BLUE,
        (Theme::ColorBlind, Color::Red) => ORANGE,
        (Theme::Light, Color::Gray | Color::White) => Color::Black,
        (Theme::Light, Color::Yellow) => GOLD,
        (Theme::Light, Color::Cyan) => TEAL,
        (Theme::Light, Color::Green) => Color::Rgb(0, 120, 0),
        (_, c) => c,
    }
}

fn bg(theme: Theme, c: Color) -> Color {
    match (theme, c) {
        (Theme::ColorBlind, Color::Green) => BLUE,
        (Theme::ColorBlind, Color::Red) => ORANGE,
        // Highlights keep dark text on a pale enough ground: the selection (navy when focused,
        // near-black when not, on dark themes) too.
        (Theme::Light, Color::Cyan) => Color::Rgb(170, 220, 235),
        (Theme::Light, Color::DarkGray) => Color::Rgb(220, 220, 220),
        (Theme::Light, Color::Rgb(40, 60, 90)) => Color::Rgb(190, 215, 240),
        (Theme::Light, Color::Rgb(40, 40, 40)) => Color::Rgb(225, 225, 225),
        (_, c) => c,
    }
}

/// Maps every cell of `buf` to `theme`'s colours.
pub fn apply(buf: &mut Buffer, theme: Theme) {
    if theme == Theme::Default {
        return;
    }
    for cell in buf.content.iter_mut() {
        cell.fg = fg(theme, cell.fg);
        cell.bg = bg(theme, cell.bg);
        cell.underline_color = fg(theme, cell.underline_color);
    }
}
