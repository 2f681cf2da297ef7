//! The help overlay: every key binding (as remapped by the config) and the filter syntax.

use crate::keymap::Command;
use crate::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

const FILTER_HELP: &[(&str, &str)] = &[
    ("words", "all must appear in title or source (any case, CJK too)"),
    ("\"a phrase\"", "exact phrase"),
    ("-word", "exclude (works before any term)"),
    ("$AAOI  t:AAOI", "tagged with a ticker"),
    ("c:ID  r:ID", "linked to a catalyst / risk"),
    ("src:name", "from a source"),
    ("since:2d  since:6h", "newer than"),
    ("/regex/", "regular expression"),
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(Span::styled("Keys", Style::new().add_modifier(Modifier::BOLD)))];
    for cmd in Command::ALL {
        let keys: Vec<String> = state.keymap.keys_for(cmd).iter().map(|k| k.label()).collect();
        let keys = if keys.is_empty() { "(unbound)".to_string() } else { keys.join(" ") };
        lines.push(Line::from(vec![Span::styled(format!("{keys:>14}  "), key), Span::raw(cmd.describe())]));
    }
    lines
        .push(Line::from(vec![Span::styled(format!("{:>14}  ", "Ctrl-C"), key), Span::raw("quit (always)")]));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("News filter", Style::new().add_modifier(Modifier::BOLD))));
    for (syntax, meaning) in FILTER_HELP {
        lines.push(Line::from(vec![Span::styled(format!("{syntax:>18}  "), key), Span::raw(*meaning)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("any key closes this help", Style::new().fg(Color::DarkGray))));
    let w = area.width.saturating_sub(4).min(76);
    let h = area.height.saturating_sub(2).min(lines.len() as u16 + 2);
    let popup = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::from(" help ").centered());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), popup);
}
