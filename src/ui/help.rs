//! The help overlay (every key binding as remapped by the config, and the filter syntax), and the
//! popup box it shares with the sources overlay.

use crate::core::keys::Command;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

const FILTER_HELP: &[(&str, &str)] = &[
    ("words", "all must appear in title or source (any case, CJK too)"),
    ("\"a phrase\"", "exact phrase"),
    ("-word", "exclude (works before any term)"),
    ("$AAOI  t:AAOI", "tagged with a ticker"),
    ("c:ID  r:ID", "linked to a catalyst / risk"),
    ("src:name", "from a source"),
    ("since:2d  since:6h", "newer than; reaching past the newest headlines, it searches the archive"),
    ("/regex/", "regular expression"),
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(Span::styled("Keys", Style::new().add_modifier(Modifier::BOLD)))];
    for cmd in Command::ALL {
        let keys: Vec<String> = state.keymap.keys_for(cmd).iter().map(|k| k.label()).collect();
        let keys = if keys.is_empty() { "(unbound)".to_string() } else { keys.join(" ") };
        let what = match cmd {
            // Acknowledging there is the toggle key, as bound.
            Command::Alerts => {
                format!("alert list: {} acknowledges one, X all", state.keymap.hint(Command::Toggle))
            }
            _ => cmd.describe().to_string(),
        };
        lines.push(Line::from(vec![Span::styled(format!("{keys:>20}  "), key), Span::raw(what)]));
    }
    // Esc dismisses warnings (and in News clears the filter) only while no action is bound to it.
    let esc_bound = state.keymap.esc_bound();
    let fixed = [("Esc", "dismiss warnings; in News: clear the filter"), ("Ctrl-C", "quit (always)")];
    for (keys, what) in fixed.into_iter().filter(|(k, _)| !(esc_bound && *k == "Esc")) {
        lines.push(Line::from(vec![Span::styled(format!("{keys:>20}  "), key), Span::raw(what)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("News filter", Style::new().add_modifier(Modifier::BOLD))));
    for (syntax, meaning) in FILTER_HELP {
        lines.push(Line::from(vec![Span::styled(format!("{syntax:>20}  "), key), Span::raw(*meaning)]));
    }
    popup(state, frame, area, " help ", lines, state.help_scroll);
}

/// A centered, bordered, scrollable box over the panes.
pub(super) fn popup(
    state: &State,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: u16,
) {
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height.saturating_sub(2).min(lines.len() as u16 + 2);
    let popup = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let room = h.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(room);
    let scroll = scroll.min(max_scroll);
    let footer = if max_scroll > 0 {
        format!(
            " {}/{} {}/{} scroll · any other key closes ",
            scroll + room.min(lines.len() as u16),
            lines.len(),
            state.keymap.hint(Command::Down),
            state.keymap.hint(Command::Up)
        )
    } else {
        " any key closes ".to_string()
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::from(title.to_string()).centered())
        .title_bottom(Line::from(Span::styled(footer, Style::new().fg(Color::DarkGray))).right_aligned());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), popup);
}
